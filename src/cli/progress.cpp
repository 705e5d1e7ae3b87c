#include "src/cli/progress.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <cstdio>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "src/log/log.hpp"

namespace rootpin::cli {

using Kind = app::PullEvent::Kind;

std::string event_name(Kind kind) {
  switch (kind) {
    case Kind::Started: return "pull_started";
    case Kind::Retrying: return "pull_retrying";
    case Kind::Done: return "pull_done";
    case Kind::Failed: return "pull_failed";
  }
  return "pull";
}

ProgressStyle Progress::choose(bool json) {
  if (json) {
    return ProgressStyle::Json;
  }
  return ::isatty(STDERR_FILENO) == 1 ? ProgressStyle::Live : ProgressStyle::Lines;
}

namespace {

std::string describe(const app::PullEvent& e) {
  switch (e.kind) {
    case Kind::Started: return "pulling " + e.reference;
    case Kind::Retrying:
      return fmt::format("retrying {} (try {}/{}): {}", e.reference, e.attempt, e.tries, e.message);
    case Kind::Done: return "pulled " + e.reference;
    case Kind::Failed: return "failed: " + e.message;
  }
  return e.reference;
}

}  // namespace

void Progress::operator()(const app::PullEvent& e) {
  log::status(describe(e));
  switch (style_) {
    case ProgressStyle::Json: {
      nlohmann::json j = {{"event", event_name(e.kind)},
                          {"image", e.reference},
                          {"attempt", e.attempt},
                          {"tries", e.tries}};
      if (!e.message.empty()) {
        j["message"] = e.message;
      }
      if (!e.image_id.empty()) {
        j["image_id"] = e.image_id;
      }
      std::fputs((j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n").c_str(),
                 stdout);
      std::fflush(stdout);
      return;
    }
    case ProgressStyle::Lines: std::fprintf(stderr, "rootpin: %s\n", describe(e).c_str()); return;
    case ProgressStyle::Live: {
      auto it = std::find_if(live_.begin(), live_.end(),
                             [&](const auto& p) { return p.first == e.reference; });
      if (it == live_.end()) {
        live_.emplace_back(e.reference, "");
        it = std::prev(live_.end());
      }
      it->second = describe(e);
      redraw();
      return;
    }
  }
}

void Progress::redraw() {
  // Move up over what we drew before and rewrite every image's line in place.
  if (drawn_ > 0) {
    std::fprintf(stderr, "\033[%zuA", drawn_);
  }
  for (const auto& [image, line] : live_) {
    std::fprintf(stderr, "\r\033[2K%s\n", line.c_str());
  }
  drawn_ = live_.size();
  std::fflush(stderr);
}

}  // namespace rootpin::cli
