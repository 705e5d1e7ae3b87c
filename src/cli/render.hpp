#pragma once
// The rendering of what the use cases tell (app::Events) and of their reports: plain text
// on stdout, or one JSON object per line with --json. Pull progress goes through Progress.

#include <nlohmann/json.hpp>

#include "src/app/bind.hpp"
#include "src/app/boot.hpp"
#include "src/app/events.hpp"
#include "src/app/forget.hpp"
#include "src/app/pin.hpp"
#include "src/app/status.hpp"
#include "src/cli/progress.hpp"

namespace rootpin::cli {

class Renderer final : public app::Events {
public:
  explicit Renderer(bool json) : json_(json), progress_(Progress::choose(json)) {}

  void pull(const app::PullEvent& event) override { progress_(event); }
  void plan(const std::string& root_id, const core::PullPlan& plan) override;
  void gc_image(app::GcAction action, const core::StoredImage& image) override;
  void no_update(const std::string& osname, bool verifying) override;
  void update_available(const std::string& osname, const ostree::Update& update) override;
  void repulled(const std::string& reference) override;
  void deployed(ostree::Role role, const std::string& root_id, const std::string& version) override;
  void retagged(const std::string& root_id, const core::Retag& retag) override;
  void placeholder_recreated(const core::Hold& hold, const core::Placeholder& p) override;
  void image_restored(const std::string& reference,
                      const std::vector<std::string>& holders) override;
  void placeholder_released(bool dry_run, const core::StoredContainer& placeholder) override;

  void bind(const app::BindReport& report);
  void pin(const app::PinReport& report);
  void unpin(const app::UnpinReport& report);
  void boot(const app::BootReport& report);
  void forget(const app::ForgetReport& report);
  void status(const app::StatusReport& report);

private:
  void say(const nlohmann::json& event, const std::string& text);

  bool json_;
  Progress progress_;
};

}  // namespace rootpin::cli
