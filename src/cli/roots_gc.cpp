// gc of roots: live roots are every deployment on disk (pinned ones included); records of
// roots ostree retired go first (and are saved), then images nothing holds leave the store.
// A live root without a record is rescanned, never trusted to hold nothing.

#include <fmt/format.h>

#include <set>

#include "base/error.hpp"
#include "src/app/holds.hpp"
#include "src/cli/bind_root.hpp"
#include "src/cli/output.hpp"
#include "src/cli/roots_commands.hpp"
#include "src/core/root_gc.hpp"
#include "src/log/log.hpp"

namespace rootpin::cli {

std::vector<std::string> retire_roots(const ostree::Sysroot& sysroot, app::LedgerWriter& writer,
                                      GcMode mode) {
  std::set<std::string> live;
  for (const auto& d : sysroot.deployments()) {
    live.insert(d.root_id);
  }
  const auto plan = core::plan_root_retirement(writer.ledger, live);
  for (const auto& root_id : plan.retired) {
    writer.ledger.remove_root(root_id);
    log::emit(log::Event::ImageUnpinned, log::Priority::Info,
              fmt::format("{}root {} is retired: its images are no longer held by it",
                          mode == GcMode::DryRun ? "(dry run) " : "", root_id),
              log::Fields{root_id, "", ""});
  }
  if (mode == GcMode::Remove && !plan.retired.empty()) {
    writer.save();  // record retirements before removing images
  }
  return plan.retired;
}

std::vector<core::Hold> holds_of_unrecorded_roots(const ostree::Sysroot& sysroot,
                                                  const ledger::Ledger& ledger,
                                                  const std::vector<core::StoredImage>& listing) {
  std::vector<core::Hold> holds;
  for (const auto& d : sysroot.deployments()) {
    if (ledger.find_root(d.root_id) != nullptr) {
      continue;
    }
    auto refs = scan_references(open_deployment_root(sysroot, d), d.root_id);
    auto extra = core::holds_of_references(d.root_id, refs, listing);
    holds.insert(holds.end(), extra.begin(), extra.end());
  }
  return holds;
}

util::ExitCode gc_with_roots(app::Context& ctx, const ostree::Sysroot& sysroot,
                             app::LedgerWriter& writer, GcMode mode,
                             std::optional<std::vector<core::StoredImage>> known) {
  retire_roots(sysroot, writer, mode);
  auto& store = ctx.image_store();
  const auto listing = known ? std::move(*known) : store.list();
  auto holds = app::holds_from_ledger(writer.ledger);
  auto extra = holds_of_unrecorded_roots(sysroot, writer.ledger, listing);
  holds.insert(holds.end(), extra.begin(), extra.end());
  const auto plan = core::plan_gc(listing, holds);
  std::vector<std::string> ids;
  for (const auto& image : plan.remove) {
    const std::string name = image.names.empty() ? "<none>" : image.names.front();
    if (ctx.options.json) {
      print_json({{"event", mode == GcMode::DryRun ? "would_remove" : "removing"},
                  {"image_id", image.id},
                  {"names", image.names},
                  {"digest", image.digest}});
    } else {
      print_line(fmt::format("{} {} {}", mode == GcMode::DryRun ? "would remove" : "removing", name,
                             short_id(image.id)));
    }
    ids.push_back(image.id);
  }
  if (mode == GcMode::DryRun || ids.empty()) {
    return util::ExitCode::Ok;
  }
  try {
    store.remove(ids);
  } catch (const util::Error& e) {
    throw util::Error(fmt::format("gc: {}", e.what()), util::ExitCode::Partial);
  }
  for (const auto& image : plan.remove) {
    log::emit(log::Event::GcFreed, log::Priority::Info,
              fmt::format("removed {} (nothing holds it)", short_id(image.id)),
              log::Fields{"", image.names.empty() ? image.id : image.names.front(), image.digest});
  }
  return util::ExitCode::Ok;
}

}  // namespace rootpin::cli
