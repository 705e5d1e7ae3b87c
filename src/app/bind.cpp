#include "src/app/bind.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "base/error.hpp"

#include "src/app/holds.hpp"
#include "src/app/keep_holds.hpp"
#include "src/app/staged_bind.hpp"
#include "src/log/log.hpp"
#include "src/ostree/finalization_lock.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::app {
namespace {

// How often `bind --staged` follows a deployment that was staged while it bound the last.
constexpr int kMaxRestages = 3;

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
                              const std::string& lock_path) {
  throw util::Error(
      fmt::format("{}; {} is staged but its images are not pinned: {} stays, so ostree will "
                  "not finalize it and the next boot keeps the current root; a successful "
                  "`rootpin bind --staged` removes it",
                  e.what(), root_id, lock_path),
      e.code());
}

// What the ledger holds now: the writer's (a bind), or as read (a dry run takes no lock).
std::vector<core::Hold> held_now(Context& ctx, const LedgerWriter* writer) {
  return holds_from_ledger(writer != nullptr ? writer->ledger : ctx.read_ledger());
}

BindReport finish(const std::string& root_id, BindMode mode, const BindOutcome& outcome) {
  BindReport report{root_id, mode == BindMode::DryRun, 0, outcome.pulled, outcome.present};
  if (mode == BindMode::DryRun) {
    return report;
  }
  report.images = outcome.record->images.size();
  log::emit(log::Event::RootBound, log::Priority::Info,
            fmt::format("bound {}: {} images ({} pulled, {} already present)", root_id,
                        report.images, report.pulled, report.present),
            log::Fields{root_id, "", ""});
  return report;
}

// `--root DIR --root-id ID`: a root directory that is not an ostree deployment.
BindReport bind_directory(Context& ctx, const BindRequest& args, LedgerWriter* writer,
                          BindMode mode, Events& events) {
  auto root = quadlet_scan::RootDir::open(args.root_dir);
  if (!root) {
    throw util::Error::format("opening root {}: {}", args.root_dir, root.error().to_string());
  }
  StoreUndo undo(ctx.image_store(), writer, "the bind of " + args.root_id);
  auto outcome = bind_root(*root, args.root_id, ctx.image_store(), ctx.puller_options(), mode,
                           events, held_now(ctx, writer));
  if (mode == BindMode::Bind) {
    outcome.record->held_dir = std::filesystem::absolute(args.root_dir).lexically_normal().string();
    hold_new_record(ctx, writer->ledger, *outcome.record, outcome.outcomes, outcome.store_after,
                    events, undo);
    writer->ledger.set_root(*outcome.record);
    writer->save();
  }
  return finish(args.root_id, mode, outcome);
}

struct DeploymentBind {
  BindReport report;
  bool replaced = false;                     // no longer the staged deployment when bound
  std::optional<ostree::Deployment> staged;  // what is staged instead (if replaced)
};

// Binds one deployment. A staged root on a booted host is held back from finalization
// (StagedBind) until its record is saved, and released only if it is still the staged
// deployment then: another tool may have staged a newer one meanwhile (the lock is global).
// A failure before the save takes back what the bind added to the store (`undo`, destroyed
// before `tx`: the lock stays while it does).
DeploymentBind bind_deployment(Context& ctx, ostree::Sysroot& sysroot,
                               const ostree::Deployment& deployment, LedgerWriter* writer,
                               BindMode mode, Events& events) {
  const std::string& root_id = deployment.root_id;
  StagedBind tx(root_id);
  StoreUndo undo(ctx.image_store(), writer, "the bind of " + root_id);
  if (deployment.role == ostree::Role::Staged && sysroot.is_booted() && mode == BindMode::Bind) {
    tx.hold();
  }
  DeploymentBind result;
  BindOutcome outcome;
  try {
    outcome = bind_root(open_deployment_root(sysroot, deployment), root_id, ctx.image_store(),
                        ctx.puller_options(), mode, events, held_now(ctx, writer));
    if (mode == BindMode::Bind) {
      // Pull, then placeholder (pin mode system), then record; lost holds are repaired too.
      hold_new_record(ctx, writer->ledger, *outcome.record, outcome.outcomes, outcome.store_after,
                      events, undo);
      tx.commit(*writer, *outcome.record, [&] {
        sysroot.reload();
        result.staged = sysroot.staged();
        result.replaced = !result.staged || result.staged->root_id != root_id;
        return !result.replaced;
      });
    }
  } catch (...) {
    if (!tx.holds()) {
      throw;
    }
    // Another tool staged this root: it stays staged but is not finalized until a bind
    // succeeds (undoing someone else's update is not rootpin's call).
    tx.keep();
    fail_locked(util::current_error(), root_id, tx.lock_path());
  }
  result.report = finish(root_id, mode, outcome);
  return result;
}

}  // namespace

BindReport bind(Context& ctx, const BindRequest& args, Events& events) {
  const BindMode mode = args.dry_run ? BindMode::DryRun : BindMode::Bind;
  std::optional<LedgerWriter> writer;
  if (mode == BindMode::Bind) {
    writer.emplace(ctx.open_ledger_for_writing());
  }
  LedgerWriter* w = writer ? &*writer : nullptr;
  if (!args.root_dir.empty()) {
    return bind_directory(ctx, args, w, mode, events);
  }
  auto sysroot = ostree::Sysroot::load(ctx.options.sysroot);
  auto deployment = pick_deployment(sysroot, args);
  for (int round = 1;; ++round) {
    auto bound = bind_deployment(ctx, sysroot, deployment, w, mode, events);
    if (!bound.replaced) {
      return bound.report;
    }
    const std::string lock = ostree::kFinalizationLockPath;
    if (!bound.staged) {
      log::warning(fmt::format("{} is bound but no longer staged, and nothing else is: {} stays "
                               "until `rootpin bind --staged` binds what is staged next",
                               deployment.root_id, lock),
                   log::Fields{deployment.root_id, "", ""});
      return bound.report;
    }
    if (round == kMaxRestages) {
      throw util::Error::format(
          "the staged deployment keeps changing ({} replaced {} while it was being bound): {} "
          "stays, so ostree will not finalize it; run `rootpin bind --staged` again",
          bound.staged->root_id, deployment.root_id, lock);
    }
    log::notice(fmt::format("{} was staged while {} was being bound: binding it too",
                            bound.staged->root_id, deployment.root_id),
                log::Fields{bound.staged->root_id, "", ""});
    deployment = *bound.staged;
  }
}

}  // namespace rootpin::app
