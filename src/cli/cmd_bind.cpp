// rootpin bind [--staged | --deployment N | --root DIR --root-id ID] [--dry-run]: bind one
// root (default: the booted deployment, or deployment 0 on a sysroot that is not booted),
// pulling what is missing and recording per unit the reference, digest and image ID.

#include <fmt/format.h>

#include <memory>
#include <optional>

#include "src/cli/bind_root.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/output.hpp"
#include "src/log/log.hpp"
#include "src/ostree/finalization_lock.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::cli {
namespace {

struct BindArgs {
  bool staged = false;
  std::optional<int> deployment;
  std::string root_dir;
  std::string root_id;
  bool dry_run = false;
};

ostree::Deployment pick_deployment(const ostree::Sysroot& sysroot, const BindArgs& args) {
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

util::ExitCode bind(app::Context& ctx, const BindArgs& args) {
  const BindMode mode = args.dry_run ? BindMode::DryRun : BindMode::Bind;
  std::optional<app::LedgerWriter> writer;
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
    outcome =
        bind_root(*root, root_id, ctx.image_store(), ctx.puller_options(), mode, ctx.options.json);
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
  if (mode == BindMode::DryRun) {
    return util::ExitCode::Ok;
  }
  if (finalization) {
    release_finalization(*finalization, root_id);
  }
  const std::size_t images = outcome.record->images.size();
  const std::string message = fmt::format("bound {}: {} images ({} pulled, {} already present)",
                                          root_id, images, outcome.pulled, outcome.present);
  log::emit(log::Event::RootBound, log::Priority::Info, message, log::Fields{root_id, "", ""});
  if (ctx.options.json) {
    print_json({{"event", "bound"},
                {"root", root_id},
                {"images", images},
                {"pulled", outcome.pulled},
                {"present", outcome.present}});
  } else {
    print_line(message);
  }
  return util::ExitCode::Ok;
}

}  // namespace

void add_bind_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto args = std::make_shared<BindArgs>();
  auto* sub = app.add_subcommand("bind", "Pull and pin the images one OS root opts in");
  auto* staged = sub->add_flag("--staged", args->staged, "Bind the staged deployment");
  auto* deployment =
      sub->add_option("--deployment", args->deployment, "Bind deployment N (ostree's order)");
  auto* root = sub->add_option("--root", args->root_dir, "Bind a root directory (not ostree)");
  auto* root_id = sub->add_option("--root-id", args->root_id, "The ledger key of --root");
  root->needs(root_id);
  root_id->needs(root);
  staged->excludes(deployment)->excludes(root);
  deployment->excludes(root);
  sub->add_flag("--dry-run", args->dry_run, "Print the plan; change nothing");
  table[sub] = [&ctx, args] { return bind(ctx, *args); };
}

}  // namespace rootpin::cli
