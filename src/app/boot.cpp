#include "src/app/boot.hpp"

#include <fmt/format.h>

#include "base/error.hpp"

#include "src/core/boot_plan.hpp"
#include "src/log/log.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::app {

BootReport boot(Context& ctx, std::optional<int> index, Events& events) {
  auto sysroot = ostree::Sysroot::load(ctx.options.sysroot);
  ostree::Deployment deployment;
  if (index) {
    deployment = sysroot.deployment(*index);
  } else if (auto booted = sysroot.booted()) {
    deployment = *booted;
  } else {
    throw util::Error(fmt::format("sysroot {} is not booted: say which deployment runs with "
                                  "--deployment N",
                                  ctx.options.sysroot),
                      util::ExitCode::Usage);
  }
  BootReport report;
  report.root_id = deployment.root_id;
  const auto ledger = ctx.read_ledger();
  const ledger::RootRecord* record = ledger.find_root(deployment.root_id);
  if (record == nullptr) {
    log::warning(
        fmt::format("{} was never bound: its tags are left as they are", deployment.root_id),
        log::Fields{deployment.root_id, "", ""});
    return report;
  }
  report.bound = true;
  auto& store = ctx.image_store();  // made here, it runs no podman by itself
  // Decided without podman when the store is exactly as rootpin last listed it and that
  // listing already has every bound tag on the root's image (podman/listing_cache.hpp).
  std::optional<core::BootPlan> plan;
  if (auto cached = store.cached_listing()) {
    plan = core::plan_boot(*record, *cached);
    if (!plan->retags.empty() || !plan->missing.empty()) plan.reset();
    else log::debug("the store is unchanged since rootpin listed it: no podman run");
  }
  if (!plan) plan = core::plan_boot(*record, store.list());
  for (const auto& retag : plan->retags) {
    store.tag(retag.image_id, retag.name);
    events.retagged(deployment.root_id, retag);
  }
  for (const auto& missing : plan->missing) {
    log::error(missing, log::Fields{deployment.root_id, "", ""});
  }
  report.retagged = plan->retags.size();
  report.already_right = plan->already_right;
  report.missing = plan->missing.size();
  return report;
}

}  // namespace rootpin::app
