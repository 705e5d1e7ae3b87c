#include "src/app/bind.hpp"

#include <fmt/format.h>

#include "base/error.hpp"

#include "src/log/log.hpp"
#include "src/ostree/finalization_lock.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::app {
namespace {

ostree::Deployment pick_deployment(const ostree::Sysroot& sysroot, const BindRequest& args) {
  if (args.staged) {
    if (auto staged = sysroot.staged()) {
      return *staged;
    }
    throw util::Error::format("sysroot {} has no staged deployment", sysroot.path());
  }
  if (args.deployment) {
    return sysroot.deployment(*args.deployment);
  }
  if (auto booted = sysroot.booted()) {
    return *booted;
  }
  return sysroot.deployment(0);
}

// After a failed bind of a staged root: the lock stays, and the error says why and what
// removes it, so that an admin reading `systemctl status rootpin-bind` knows where it is.
[[noreturn]] void fail_locked(const util::Error& e, const std::string& root_id,
                              const ostree::FinalizationLock& finalization) {
  throw util::Error(
      fmt::format("{}; {} is staged but its images are not pinned: {} stays, so ostree will "
                  "not finalize it and the next boot keeps the current root; a successful "
                  "`rootpin bind --staged` removes it",
                  e.what(), root_id, finalization.path()),
      e.code());
}

}  // namespace

BindReport bind(Context& ctx, const BindRequest& args, Events& events) {
  const BindMode mode = args.dry_run ? BindMode::DryRun : BindMode::Bind;
  std::optional<LedgerWriter> writer;
  if (mode == BindMode::Bind) {
    writer.emplace(ctx.open_ledger_for_writing());
  }
  std::string root_id;
  std::optional<quadlet_scan::RootDir> root;
  std::optional<ostree::FinalizationLock> finalization;
  std::optional<ostree::Sysroot> sysroot;
  std::optional<ostree::Deployment> deployment;
  if (!args.root_dir.empty()) {
    root_id = args.root_id;
    auto opened = quadlet_scan::RootDir::open(args.root_dir);
    if (!opened) {
      throw util::Error::format("opening root {}: {}", args.root_dir, opened.error().to_string());
    }
    root.emplace(std::move(*opened));
  } else {
    sysroot.emplace(ostree::Sysroot::load(ctx.options.sysroot));
    deployment = pick_deployment(*sysroot, args);
    root_id = deployment->root_id;
    // Keep ostree from finalizing a staged root at shutdown while its images are missing.
    if (deployment->role == ostree::Role::Staged && sysroot->is_booted() &&
        mode == BindMode::Bind) {
      finalization.emplace(ostree::FinalizationLock::create());
    }
  }

  BindOutcome outcome;
  try {
    if (deployment) {
      root.emplace(open_deployment_root(*sysroot, *deployment));
    }
    outcome = bind_root(*root, root_id, ctx.image_store(), ctx.puller_options(), mode, events);
    if (mode == BindMode::Bind) {
      writer->ledger.set_root(*outcome.record);
      writer->save();  // recorded before ostree may finalize the root
    }
  } catch (const util::Error& e) {
    if (!finalization) {
      throw;
    }
    // Another tool staged this root: it stays staged but is not finalized until a bind
    // succeeds (undoing someone else's update is not rootpin's call).
    finalization->keep();
    fail_locked(e, root_id, *finalization);
  }
  BindReport report{root_id, mode == BindMode::DryRun, 0, outcome.pulled, outcome.present};
  if (mode == BindMode::DryRun) {
    return report;
  }
  if (finalization) {
    release_finalization(*finalization, root_id);
  }
  report.images = outcome.record->images.size();
  log::emit(log::Event::RootBound, log::Priority::Info,
            fmt::format("bound {}: {} images ({} pulled, {} already present)", root_id,
                        report.images, report.pulled, report.present),
            log::Fields{root_id, "", ""});
  return report;
}

}  // namespace rootpin::app
