// rootpin upgrade [--os NAME] [--check]: the OS update and the bind of its new root as one
// transaction (DESIGN.md "upgrade as a transaction").

#include <fmt/format.h>

#include <memory>
#include <optional>

#include "src/app/store_view.hpp"
#include "src/cli/bind_root.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/output.hpp"
#include "src/cli/roots_commands.hpp"
#include "src/core/pull_plan.hpp"
#include "src/log/log.hpp"
#include "src/ostree/finalization_lock.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::cli {
namespace {

struct UpgradeArgs {
  std::string osname;  // empty: the booted deployment's, or deployment 0's
  bool check = false;
};

void say(app::Context& ctx, const nlohmann::json& event, const std::string& text) {
  if (ctx.options.json) {
    print_json(event);
  } else {
    print_line(text);
  }
}

// No new commit: the live roots must still have their images. A recorded root's missing
// image is pulled again (by the recorded digest: the root was bound with that image, not
// with whatever the tag names today); a live root without a record is bound now.
void verify_live_roots(app::Context& ctx, const ostree::Sysroot& sysroot,
                       app::LedgerWriter& writer) {
  auto& store = ctx.image_store();
  std::vector<core::PullWant> wants;
  for (const auto& d : sysroot.deployments()) {
    const ledger::RootRecord* record = writer.ledger.find_root(d.root_id);
    if (record == nullptr) {
      auto outcome = bind_root(open_deployment_root(sysroot, d), d.root_id, store,
                               ctx.puller_options(), BindMode::Bind, ctx.options.json);
      writer.ledger.set_root(std::move(*outcome.record));
      continue;
    }
    // The record has the digests; the root's units have the pull options (auth, TLS).
    const auto scanned = scan_wants(open_deployment_root(sysroot, d), d.root_id);
    for (const auto& image : record->images) {
      const std::string wanted_by = image.unit + " in " + d.root_id;
      quadlet_scan::PullOptions options;
      for (const auto& w : scanned.wants) {
        if (w.wanted_by == wanted_by) {
          options = w.options;
        }
      }
      auto ref = core::canonicalize(image.reference);
      const bool by_digest = ref && ref->digest.empty() && !image.digest.empty();
      wants.push_back(core::PullWant{
          by_digest ? ref->repository + "@" + image.digest : image.reference, options, wanted_by});
    }
  }
  auto plan = core::plan_pulls(wants, store.list());
  if (!plan) {
    throw util::Error::format("verifying the live roots: {}", plan.error());
  }
  if (plan->noop()) {
    return;
  }
  for (const auto& o : app::run_pulls(store, *plan, ctx.puller_options(), {})) {
    if (o.error) {
      throw util::Error::format("re-pulling {} for {}: {}", o.planned.ref.as_written,
                                fmt::join(o.planned.wanted_by, ", "), *o.error);
    }
    say(ctx, {{"event", "repulled"}, {"reference", o.planned.ref.as_written}},
        fmt::format("re-pulled missing {}", o.planned.ref.as_written));
  }
}

// Says whether an update exists and what it would pull: the new commit is pulled into the
// repo and its tree read from a temp checkout, planned against one listing of the store.
// Nothing is deployed; the ledger and the store are not touched.
util::ExitCode check_only(app::Context& ctx, ostree::Sysroot& sysroot, const std::string& osname) {
  auto update = sysroot.check_for_update(osname);
  if (!update) {
    say(ctx, {{"event", "no_update"}, {"os", osname}}, fmt::format("no update for {}", osname));
    return util::ExitCode::Ok;
  }
  say(ctx,
      {{"event", "update_available"},
       {"os", osname},
       {"refspec", update->refspec},
       {"checksum", update->checksum},
       {"version", update->version}},
      fmt::format("update available for {}: {} {} ({})", osname, update->refspec,
                  update->version.empty() ? "-" : update->version, update->checksum));
  // Not deployed yet, so no serial: the commit names the root in the plan.
  const std::string label = osname + "/" + update->checksum;
  const auto checkout = sysroot.check_out(update->checksum);
  auto root = quadlet_scan::RootDir::adopt(checkout.open_root(), label);
  if (!root) {
    throw util::Error::format("opening the tree of {}: {}", label, root.error().to_string());
  }
  print_plan(plan_root(*root, label, app::list_store(ctx)).plan, label, ctx.options.json);
  return util::ExitCode::Ok;
}

util::ExitCode upgrade(app::Context& ctx, const UpgradeArgs& args) {
  if (args.check) {
    // Reads the ledger not at all: only the sysroot's repo changes (the pulled commit).
    auto sysroot = ostree::Sysroot::load(ctx.options.sysroot);
    auto sysroot_lock = sysroot.lock(std::chrono::seconds(ctx.options.lock_timeout));
    return check_only(ctx, sysroot, args.osname.empty() ? sysroot.default_osname() : args.osname);
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
    say(ctx, {{"event", "no_update"}, {"os", osname}},
        fmt::format("no new commit for {}; verifying the live roots' images", osname));
    verify_live_roots(ctx, sysroot, writer);
    writer.save();
    return util::ExitCode::Ok;
  }
  std::optional<ostree::FinalizationLock> finalization;
  std::vector<core::StoredImage> store_after;
  try {
    // 4. a staged root must not be finalized at shutdown while its images are missing
    // (inside the try: a lock that cannot be made undoes the staged root too).
    if (created->role == ostree::Role::Staged) {
      finalization.emplace(ostree::FinalizationLock::create());
    }
    // 5. scan, pull, pin, record.
    auto outcome =
        bind_root(open_deployment_root(sysroot, *created), created->root_id, ctx.image_store(),
                  ctx.puller_options(), BindMode::Bind, ctx.options.json);
    const std::size_t images = outcome.record->images.size();
    store_after = std::move(outcome.store_after);
    writer.ledger.set_root(std::move(*outcome.record));
    writer.save();
    log::emit(log::Event::RootBound, log::Priority::Info,
              fmt::format("bound {}: {} images ({} pulled, {} already present)", created->root_id,
                          images, outcome.pulled, outcome.present),
              log::Fields{created->root_id, "", ""});
  } catch (const util::Error& e) {
    // 6. failure: undo the new deployment. Earlier roots, pins and images are as they were:
    // bind_root removed what it pulled and the ledger was not saved.
    log::emit(log::Event::UpgradeFailed, log::Priority::Error,
              fmt::format("upgrade of {} failed: {}", osname, e.what()),
              log::Fields{created->root_id, "", ""});
    try {
      sysroot.undo(*created);
    } catch (const util::Error& undo_error) {
      if (finalization) {
        finalization->keep();  // still staged and unbound: it must never be finalized
      }
      throw util::Error::format("{}; undoing {} failed too: {}", e.what(), created->root_id,
                                undo_error.what());
    }
    throw util::Error::format("upgrade of {} undone: {}", osname, e.what());
  }
  // 6. success: ostree may finalize it now (unless someone else holds it back).
  if (finalization) {
    release_finalization(*finalization, created->root_id);
  }
  const char* how = created->role == ostree::Role::Staged ? "staged" : "deployed";
  const std::string message =
      fmt::format("{} {} ({}) with its images pinned", how, created->root_id,
                  created->version.empty() ? "-" : created->version);
  log::emit(log::Event::UpgradeStaged, log::Priority::Notice, message,
            log::Fields{created->root_id, "", ""});
  say(ctx, {{"event", how}, {"root", created->root_id}, {"version", created->version}}, message);
  // 7. gc: a root ostree dropped while deploying (the old rollback) releases its images.
  // The bind's view of the store is still exact (we hold the writer lock): no new listing.
  sysroot.reload();
  return gc_with_roots(ctx, sysroot, writer, GcMode::Remove, std::move(store_after));
}

}  // namespace

void add_upgrade_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto args = std::make_shared<UpgradeArgs>();
  auto* sub = app.add_subcommand("upgrade",
                                 "Update the OS and pin the new root's images, as one transaction");
  sub->add_option("--os", args->osname, "The osname to upgrade (default: the booted one)");
  sub->add_flag("--check", args->check, "Only say whether an update exists and what it would pull");
  table[sub] = [&ctx, args] { return upgrade(ctx, *args); };
}

}  // namespace rootpin::cli
