#include "src/cli/render.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "src/cli/output.hpp"
#include "src/cli/status_render.hpp"
#include "src/core/holding.hpp"
#include "src/core/reference.hpp"

namespace rootpin::cli {

void Renderer::say(const nlohmann::json& event, const std::string& text) {
  if (json_) {
    print_json(event);
  } else {
    print_line(text);
  }
}

void Renderer::plan(const std::string& root_id, const core::PullPlan& plan) {
  auto entry = [&](const core::PlannedImage& p, const char* action) {
    say({{"event", "plan"},
         {"root", root_id},
         {"action", action},
         {"reference", p.ref.as_written},
         {"wanted_by", p.wanted_by}},
        fmt::format("  {:<8} {}  ({})", action, p.ref.as_written, fmt::join(p.wanted_by, ", ")));
  };
  if (!json_) {
    print_line(fmt::format("plan for {}: {} present, {} to pull", root_id, plan.present.size(),
                           plan.to_pull.size()));
  }
  for (const auto& p : plan.present) {
    entry(p, "present");
  }
  for (const auto& p : plan.to_pull) {
    entry(p, "pull");
  }
}

void Renderer::gc_image(app::GcAction action, const core::StoredImage& image) {
  const char* event = action == app::GcAction::WouldRemove ? "would_remove"
                      : action == app::GcAction::Removing  ? "removing"
                                                           : "removed";
  const char* text = action == app::GcAction::WouldRemove ? "would remove" : event;
  say({{"event", event},
       {"image_id", image.id},
       {"names", image.names},
       {"digest", image.digest},
       {"size", image.size}},
      fmt::format("{} {} {}", text, image.names.empty() ? "<none>" : image.names.front(),
                  short_id(image.id)));
}

void Renderer::no_update(const std::string& osname, bool verifying) {
  say({{"event", "no_update"}, {"os", osname}},
      verifying ? fmt::format("no new commit for {}; verifying the live roots' images", osname)
                : fmt::format("no update for {}", osname));
}

void Renderer::update_available(const std::string& osname, const ostree::Update& update) {
  say({{"event", "update_available"},
       {"os", osname},
       {"refspec", update.refspec},
       {"checksum", update.checksum},
       {"version", update.version}},
      fmt::format("update available for {}: {} {} ({})", osname, update.refspec,
                  update.version.empty() ? "-" : update.version, update.checksum));
}

void Renderer::repulled(const std::string& reference) {
  say({{"event", "repulled"}, {"reference", reference}},
      fmt::format("re-pulled missing {}", reference));
}

void Renderer::placeholder_recreated(const core::Hold& hold, const core::Placeholder& p) {
  say({{"event", "placeholder_recreated"},
       {"placeholder", p.name},
       {"holder", hold.holder()},
       {"reference", hold.reference},
       {"image_id", p.image_id}},
      fmt::format("re-created placeholder {} holding {} for {} (it was removed)", p.name,
                  hold.reference, hold.holder()));
}

void Renderer::image_restored(const std::string& reference,
                              const std::vector<std::string>& holders) {
  say({{"event", "repulled"}, {"reference", reference}, {"held_by", holders}},
      fmt::format("re-pulled {} for {} (it was gone from the store)", reference,
                  fmt::join(holders, ", ")));
}

void Renderer::placeholder_released(bool dry_run, const core::StoredContainer& p) {
  auto label = [&](std::string_view key) {
    auto it = p.labels.find(std::string(key));
    return it == p.labels.end() ? std::string() : it->second;
  };
  const std::string holder = label(core::kHolderLabel);
  const std::string root = label(core::kRootLabel);
  const std::string of = root.empty() ? holder : to_string(core::UnitInRoot{holder, root});
  say({{"event", dry_run ? "would_release" : "releasing"},
       {"placeholder", p.name},
       {"holder", of},
       {"image_id", p.image_id}},
      fmt::format("{} placeholder {} of {} ({})", dry_run ? "would release" : "releasing", p.name,
                  of, core::short_id(p.image_id)));
}

void Renderer::deployed(ostree::Role role, const std::string& root_id, const std::string& version) {
  const char* how = role == ostree::Role::Staged ? "staged" : "deployed";
  say({{"event", how}, {"root", root_id}, {"version", version}},
      fmt::format("{} {} ({}) with its images pinned", how, root_id,
                  version.empty() ? "-" : version));
}

void Renderer::retagged(const std::string& root_id, const core::Retag& retag) {
  say({{"event", "retagged"},
       {"root", root_id},
       {"name", retag.name},
       {"image_id", retag.image_id}},
      fmt::format("{} -> {}", retag.name, short_id(retag.image_id)));
}

void Renderer::bind(const app::BindReport& r) {
  if (r.dry_run) {
    return;  // the plan was the output
  }
  say({{"event", "bound"},
       {"root", r.root_id},
       {"images", r.images},
       {"pulled", r.pulled},
       {"present", r.present}},
      fmt::format("bound {}: {} images ({} pulled, {} already present)", r.root_id, r.images,
                  r.pulled, r.present));
}

void Renderer::pin(const app::PinReport& r) {
  for (const auto& p : r.pinned) {
    say({{"event", "pinned"},
         {"reference", p.pin.reference},
         {"digest", p.pin.digest},
         {"image_id", p.pin.image_id},
         {"pulled", p.pulled}},
        fmt::format("pinned {} {} {}", p.pin.reference, p.pin.digest, short_id(p.pin.image_id)));
  }
}

void Renderer::unpin(const app::UnpinReport& r) {
  for (const auto& pin : r.removed) {
    say({{"event", "unpinned"},
         {"reference", pin.reference},
         {"digest", pin.digest},
         {"image_id", pin.image_id}},
        fmt::format("unpinned {} {}", pin.reference, pin.digest));
  }
}

void Renderer::boot(const app::BootReport& r) {
  if (!r.bound || json_) {
    return;
  }
  print_line(fmt::format("{}: {} tags re-pointed, {} already right, {} missing", r.root_id,
                         r.retagged, r.already_right, r.missing));
}

void Renderer::forget(const app::ForgetReport& r) {
  say({{"event", "forgotten"},
       {"root", r.forgotten.root_id},
       {"held_dir", r.forgotten.held_dir},
       {"images", r.forgotten.images.size()}},
      fmt::format("forgot {} (bound from {}): gc removes its images unless something else holds "
                  "them",
                  r.forgotten.root_id, r.forgotten.held_dir));
}

void Renderer::status(const app::StatusReport& r) {
  if (json_) {
    print_json(status_json(r));
  } else {
    print_status(r);
  }
}

}  // namespace rootpin::cli
