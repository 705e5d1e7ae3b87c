#include "src/app/upgrade.hpp"

#include <fmt/format.h>

#include "base/error.hpp"

#include <optional>

#include "src/app/bind_root.hpp"
#include "src/app/holds.hpp"
#include "src/app/keep_holds.hpp"
#include "src/app/staged_bind.hpp"
#include "src/app/store_view.hpp"
#include "src/core/pull_plan.hpp"
#include "src/core/reference.hpp"
#include "src/log/log.hpp"
#include "src/ostree/finalization_lock.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::app {
namespace {

// No new commit: the live roots must still have their images. A recorded root's missing
// image is pulled again (by the recorded digest: the root was bound with that image, not
// with whatever the tag names today); a live root without a record is bound now.
// Returns the store as it is afterwards; what it pulls goes into `undo`.
std::vector<core::StoredImage> verify_live_roots(Context& ctx, const ostree::Sysroot& sysroot,
                                                 LedgerWriter& writer, Events& events,
                                                 StoreUndo& undo) {
  auto& store = ctx.image_store();
  std::vector<core::PullWant> wants;
  for (const auto& d : sysroot.deployments()) {
    const ledger::RootRecord* record = writer.ledger.find_root(d.root_id);
    if (record == nullptr) {
      auto outcome =
          bind_root(open_deployment_root(sysroot, d), d.root_id, store, ctx.puller_options(),
                    BindMode::Bind, events, holds_from_ledger(writer.ledger));
      writer.ledger.set_root(std::move(*outcome.record));
      record_pulled(writer.ledger, store.pin_mode(), outcome.outcomes);
      undo.pulled(outcome.outcomes);
      continue;
    }
    // The record has the digests; the root's units have the pull options (auth, TLS).
    const auto scanned = scan_wants(open_deployment_root(sysroot, d), d.root_id);
    for (const auto& image : record->images) {
      const core::UnitInRoot who{image.unit, d.root_id};
      quadlet_scan::PullOptions options;
      // A unit may need several images: the options of this one.
      for (const auto& w : scanned.wants) {
        if (w.unit == who && w.reference == image.reference) {
          options = w.options;
        }
      }
      auto ref = core::canonicalize(image.reference);
      const bool by_digest = ref && ref->digest.empty() && !image.digest.empty();
      wants.push_back(core::unit_want(
          who, by_digest ? ref->repository + "@" + image.digest : image.reference, options));
    }
  }
  auto listing = store.list();
  auto plan = core::plan_pulls(wants, listing);
  if (!plan) {
    throw util::Error::format("verifying the live roots: {}", plan.error());
  }
  if (plan->noop()) {
    return listing;
  }
  const auto inhibitor = inhibit_shutdown_while_pulling();
  const auto outcomes = run_pulls(store, *plan, ctx.puller_options(), {});
  record_pulled(writer.ledger, store.pin_mode(), outcomes);
  undo.pulled(outcomes);
  for (const auto& o : outcomes) {
    if (o.error) {
      throw util::Error::format("re-pulling {} for {}: {}", o.planned.ref.as_written,
                                fmt::join(o.planned.wanted_by, ", "), *o.error);
    }
    events.repulled(o.planned.ref.as_written);
  }
  return store.list();
}

// Says whether an update exists and what it would pull: the new commit is pulled into the
// repo and its tree read from a temp checkout, planned against one listing of the store.
// Nothing is deployed; the ledger and the store are not touched.
void check_only(Context& ctx, ostree::Sysroot& sysroot, const std::string& osname, Events& events) {
  auto update = sysroot.check_for_update(osname);
  if (!update) {
    events.no_update(osname, false);
    return;
  }
  events.update_available(osname, *update);
  // Not deployed yet, so no serial: the commit names the root in the plan.
  const std::string label = osname + "/" + update->checksum;
  const auto checkout = sysroot.check_out(update->checksum);
  auto root = quadlet_scan::RootDir::adopt(checkout.open_root(), label);
  if (!root) {
    throw util::Error::format("opening the tree of {}: {}", label, root.error().to_string());
  }
  // The tree has only /usr/etc: deployed, it gets the merge deployment's /etc changes.
  inherit_etc(*root, sysroot, osname, label);
  events.plan(label, plan_root(*root, label, list_store(ctx)).plan);
}

// 4.–6. of the upgrade: the new root's images pulled, held and recorded, or the new root
// undone (any exception), then what it added to the store (`undo`, destroyed last).
// Returns the store as the bind left it.
std::vector<core::StoredImage> bind_created(Context& ctx, ostree::Sysroot& sysroot,
                                            LedgerWriter& writer, const ostree::Deployment& created,
                                            const std::string& osname, Events& events) {
  StoreUndo undo(ctx.image_store(), &writer, "the upgrade of " + osname);
  StagedBind tx(created.root_id);
  try {
    // 4. a staged root must not be finalized at shutdown while its images are missing
    // (inside the try: a lock that cannot be made undoes the staged root too).
    if (created.role == ostree::Role::Staged) {
      tx.hold();
    }
    // 5. scan, pull, pin, record; the lock is released only after the ledger is saved.
    auto outcome =
        bind_root(open_deployment_root(sysroot, created), created.root_id, ctx.image_store(),
                  ctx.puller_options(), BindMode::Bind, events, holds_from_ledger(writer.ledger));
    const std::size_t images = outcome.record->images.size();
    // Pull, then placeholder (pin mode system), then record.
    auto store_after = hold_new_record(ctx, writer.ledger, *outcome.record, outcome.outcomes,
                                       std::move(outcome.store_after), events, undo);
    tx.commit(writer, std::move(*outcome.record));
    log::emit(log::Event::RootBound, log::Priority::Info,
              fmt::format("bound {}: {} images ({} pulled, {} already present)", created.root_id,
                          images, outcome.pulled, outcome.present),
              log::Fields{created.root_id, "", ""});
    return store_after;
  } catch (...) {
    // 6. failure (any exception): undo the new deployment; then `undo` removes the
    // placeholders and images this bind added. Earlier roots, pins and images are as they
    // were: the ledger was not saved.
    const util::Error e = util::current_error();
    log::emit(log::Event::UpgradeFailed, log::Priority::Error,
              fmt::format("upgrade of {} failed: {}", osname, e.what()),
              log::Fields{created.root_id, "", ""});
    try {
      sysroot.undo(created);
    } catch (...) {
      tx.keep();  // still staged and unbound: it must never be finalized
      throw util::Error::format("{}; undoing {} failed too: {}", e.what(), created.root_id,
                                util::current_error().what());
    }
    tx.undone();
    throw util::Error::format("upgrade of {} undone: {}", osname, e.what());
  }
}

UpgradeReport check_upgrade(Context& ctx, const UpgradeRequest& args, Events& events) {
  // Reads the ledger not at all: only the sysroot's repo changes (the pulled commit).
  auto sysroot = ostree::Sysroot::load(ctx.options.sysroot);
  auto sysroot_lock = sysroot.lock(std::chrono::seconds(ctx.options.lock_timeout));
  UpgradeReport report{args.osname.empty() ? sysroot.default_osname() : args.osname, false, {}};
  check_only(ctx, sysroot, report.osname, events);
  return report;
}

}  // namespace

UpgradeReport upgrade(Context& ctx, const UpgradeRequest& args, Events& events) {
  if (args.check) {
    return check_upgrade(ctx, args, events);
  }
  // 1. rootpin's lock, then the sysroot lock.
  auto writer = ctx.open_ledger_for_writing();
  auto sysroot = ostree::Sysroot::load(ctx.options.sysroot);
  auto sysroot_lock = sysroot.lock(std::chrono::seconds(ctx.options.lock_timeout));
  const std::string osname = args.osname.empty() ? sysroot.default_osname() : args.osname;

  // 2.–3. pull the origin; stage it (booted) or write it as pending (not booted).
  log::status(fmt::format("pulling the OS update for {}", osname));
  auto created = sysroot.pull_and_deploy(osname);
  if (!created) {
    events.no_update(osname, true);
    // ... and their placeholders (pin mode system).
    const auto before = holds_from_ledger(writer.ledger);
    StoreUndo undo(ctx.image_store(), &writer, "the verification of " + osname + "'s live roots");
    keep_holds(ctx, writer.ledger, verify_live_roots(ctx, sysroot, writer, events, undo), before,
               events, {}, &undo);
    writer.save();
    return UpgradeReport{osname, false, {}};
  }
  auto store_after = bind_created(ctx, sysroot, writer, *created, osname, events);
  const char* how = created->role == ostree::Role::Staged ? "staged" : "deployed";
  log::emit(log::Event::UpgradeStaged, log::Priority::Notice,
            fmt::format("{} {} ({}) with its images pinned", how, created->root_id,
                        created->version.empty() ? "-" : created->version),
            log::Fields{created->root_id, "", ""});
  events.deployed(created->role, created->root_id, created->version);
  // 7. gc: a root ostree dropped while deploying (the old rollback) releases its images.
  // The bind's view of the store is still exact (we hold the writer lock): no new listing.
  sysroot.reload();
  return UpgradeReport{
      osname, true,
      gc_with_roots(ctx, sysroot, writer, GcMode::Remove, events, std::move(store_after))};
}

}  // namespace rootpin::app
