#pragma once
// Pull progress: a live line per image on a terminal, one line per event otherwise, JSON
// Lines on stdout with --json; STATUS= to systemd in every mode.

#include <string>
#include <vector>

#include "src/app/puller.hpp"

namespace rootpin::cli {

enum class ProgressStyle { Live, Lines, Json };

class Progress {
public:
  // Live when stderr is a terminal (and not --json).
  static ProgressStyle choose(bool json);
  explicit Progress(ProgressStyle style) : style_(style) {}

  void operator()(const app::PullEvent& event);

private:
  void redraw();

  ProgressStyle style_;
  std::vector<std::pair<std::string, std::string>> live_;  // image, its current line
  size_t drawn_ = 0;
};

// "pull_started", "pull_retrying", "pull_done", "pull_failed".
std::string event_name(app::PullEvent::Kind kind);

}  // namespace rootpin::cli
