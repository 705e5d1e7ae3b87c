// Roots for gc: live roots are every deployment on disk (pinned ones included); records
// of roots ostree retired go first (and are saved) before images leave the store. A live
// root without a record is rescanned, never trusted to hold nothing.

#include "src/app/roots.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "base/error.hpp"
#include "src/app/bind_root.hpp"
#include "src/core/root_gc.hpp"
#include "src/log/log.hpp"

namespace rootpin::app {

std::vector<std::string> retire_roots(const ostree::Sysroot& sysroot, LedgerWriter& writer,
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

std::optional<ostree::Sysroot> load_sysroot_if_any(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(std::filesystem::path(path) / "ostree/deploy", ec)) {
    return std::nullopt;
  }
  return ostree::Sysroot::load(path);
}

}  // namespace rootpin::app
