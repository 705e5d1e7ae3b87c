#include "src/app/boot.hpp"

#include <fmt/format.h>

#include "base/error.hpp"

#include "src/app/bind_root.hpp"
#include "src/app/holds.hpp"
#include "src/app/keep_holds.hpp"
#include "src/core/boot_plan.hpp"
#include "src/log/log.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::app {

namespace {

// The deployment that runs: `index`, else the booted one.
ostree::Deployment running(const ostree::Sysroot& sysroot, std::optional<int> index,
                           const std::string& path) {
  if (index) {
    return sysroot.deployment(*index);
  }
  if (auto booted = sysroot.booted()) {
    return *booted;
  }
  throw util::Error(
      fmt::format("sysroot {} is not booted: say which deployment runs with --deployment N", path),
      util::ExitCode::Usage);
}

}  // namespace

BootReport boot(Context& ctx, std::optional<int> index, Events& events) {
  auto sysroot = ostree::Sysroot::load(ctx.options.sysroot);
  const ostree::Deployment deployment = running(sysroot, index, ctx.options.sysroot);
  BootReport report;
  report.root_id = deployment.root_id;
  auto writer = ctx.open_ledger_for_writing();
  const ledger::RootRecord* record = writer.ledger.find_root(deployment.root_id);
  if (record == nullptr) {
    log::warning(
        fmt::format("{} was never bound: its tags are left as they are", deployment.root_id),
        log::Fields{deployment.root_id, "", ""});
    return report;
  }
  report.bound = true;
  auto& store = ctx.image_store();  // made here, it runs no podman by itself
  // What a prune took comes back first (pin mode system: placeholders; images by their
  // recorded digest, with the pull options of the booted root's units). The listing is the
  // cached one when the store is exactly as rootpin last listed it (podman/listing_cache.hpp).
  std::vector<core::PullWant> known;
  try {
    known = scan_wants(open_deployment_root(sysroot, deployment), deployment.root_id).wants;
  } catch (const util::Error& e) {
    log::debug(fmt::format("not scanning {} for pull options: {}", deployment.root_id, e.what()));
  }
  const auto cached = store.cached_listing();
  // An image pulled again is recorded as rootpin's (ledger.pulled) by the save below; when
  // boot fails before it, the undo takes back what the saved ledger does not record.
  StoreUndo undo(store, &writer, "the boot of " + deployment.root_id);
  auto kept = keep_holds(ctx, writer.ledger, cached ? *cached : store.list(),
                         holds_from_ledger(writer.ledger), events, known, &undo);
  if (kept.repulled > 0) {
    writer.save();
  }
  // Decided without podman when that cached listing already has every bound tag on the
  // root's image; otherwise from a listing of the store now.
  std::optional<core::BootPlan> plan = core::plan_boot(*record, kept.listing);
  if (cached && kept.repulled == 0) {
    if (!plan->retags.empty() || !plan->missing.empty())
      plan = core::plan_boot(*record, store.list());
    else log::debug("the store is unchanged since rootpin listed it: no podman run");
  }
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
