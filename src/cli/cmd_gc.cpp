// rootpin gc [--dry-run]: remove from the store every image nothing holds, in one podman
// call. A ledger that records roots is only trusted with a sysroot that can be read: a gc
// that cannot see the roots refuses rather than free what a live root needs.

#include <memory>

#include "src/app/holds.hpp"
#include "src/app/store_view.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/output.hpp"
#include "src/cli/roots_commands.hpp"
#include "src/log/log.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::cli {

namespace {

enum class DryRun { No, Yes };

void require_visible_roots(const app::Context& ctx, const ledger::Ledger& ledger) {
  if (ledger.roots.empty()) {
    return;
  }
  std::string why;
  try {
    if (!ostree::Sysroot::load(ctx.options.sysroot).deployments().empty()) {
      return;
    }
    why = "it has no deployments";
  } catch (const util::Error& e) {
    why = e.what();
  }
  throw util::Error::format(
      "refusing to gc: the ledger records {} root(s) but the sysroot {} cannot be read ({}); "
      "removing images now could take them from a live root",
      ledger.roots.size(), ctx.options.sysroot, why);
}

util::ExitCode gc(app::Context& ctx, DryRun dry_run) {
  // Holding the writer lock: no pin can record an image between the listing and the removal.
  auto writer = ctx.open_ledger_for_writing();
  // On an ostree sysroot: retire the records of gone roots and keep what live roots hold.
  if (auto sysroot = load_sysroot_if_any(ctx.options.sysroot)) {
    return gc_with_roots(ctx, *sysroot, writer,
                         dry_run == DryRun::Yes ? GcMode::DryRun : GcMode::Remove);
  }
  require_visible_roots(ctx, writer.ledger);
  auto listing = app::list_store(ctx);
  auto plan = core::plan_gc(listing, app::holds_from_ledger(writer.ledger));
  std::vector<std::string> ids;
  for (const auto& image : plan.remove) {
    ids.push_back(image.id);
  }
  auto report = [&](const core::StoredImage& image, const char* event) {
    std::string name = image.names.empty() ? "<none>" : image.names.front();
    if (ctx.options.json) {
      print_json({{"event", event},
                  {"image_id", image.id},
                  {"names", image.names},
                  {"digest", image.digest},
                  {"size", image.size}});
    } else {
      print_line(fmt::format("{} {} {}", event, name, short_id(image.id)));
    }
  };
  if (dry_run == DryRun::Yes || ids.empty()) {
    for (const auto& image : plan.remove) {
      report(image, "would_remove");
    }
    return util::ExitCode::Ok;
  }
  try {
    ctx.image_store().remove(ids);
  } catch (const util::Error& e) {
    // Some may be gone: say which are left.
    auto left = ctx.image_store().list();
    for (const auto& image : plan.remove) {
      bool still =
          std::any_of(left.begin(), left.end(), [&](const auto& l) { return l.id == image.id; });
      if (!still) {
        report(image, "removed");
      }
    }
    throw util::Error(e.what(), util::ExitCode::Partial);
  }
  for (const auto& image : plan.remove) {
    report(image, "removed");
    log::emit(log::Event::GcFreed, log::Priority::Info,
              fmt::format("removed {} from the store", short_id(image.id)),
              {.root = "",
               .image = image.names.empty() ? image.id : image.names.front(),
               .digest = image.digest});
  }
  return util::ExitCode::Ok;
}

}  // namespace

void add_gc_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto dry_run = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("gc", "Remove from the store every image nothing holds");
  sub->add_flag("--dry-run", *dry_run, "Only say what would be removed");
  table[sub] = [&ctx, dry_run] { return gc(ctx, *dry_run ? DryRun::Yes : DryRun::No); };
}

}  // namespace rootpin::cli
