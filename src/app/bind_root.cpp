#include "src/app/bind_root.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "base/error.hpp"
#include "base/time.hpp"
#include "quadlet-scan/scanner.hpp"
#include "src/app/image_release.hpp"
#include "src/app/keep_holds.hpp"
#include "src/core/root_binding.hpp"
#include "src/log/log.hpp"
#include "src/ostree/finalization_lock.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::app {
namespace {

// `listing` (taken before the pulls) updated with what the pulls stored: a pulled image
// replaces its entry (a new name for an image already there) or is added.
std::vector<core::StoredImage> with_pulled(std::vector<core::StoredImage> listing,
                                           const std::vector<core::PullOutcome>& outcomes) {
  for (const auto& o : outcomes) {
    if (!o.pulled || !o.image) {
      continue;
    }
    auto same = std::find_if(listing.begin(), listing.end(),
                             [&](const core::StoredImage& s) { return s.id == o.image->id; });
    if (same != listing.end()) {
      *same = *o.image;
    } else {
      listing.push_back(*o.image);
    }
  }
  return listing;
}

}  // namespace

core::RootWants scan_wants(const quadlet_scan::RootDir& root, const std::string& root_id) {
  auto scan = quadlet_scan::scan_root(root, quadlet_scan::ScanOptions{});
  if (!scan) {
    throw util::Error::format("scanning {}: {}", root_id, scan.error().to_string());
  }
  return core::wants_of_root(*scan, root_id);
}

std::vector<std::string> scan_references(const quadlet_scan::RootDir& root,
                                         const std::string& root_id) {
  std::vector<std::string> refs;
  for (const auto& want : scan_wants(root, root_id).wants) {
    refs.push_back(want.reference);
  }
  return refs;
}

PlannedRoot plan_root(const quadlet_scan::RootDir& root, const std::string& root_id,
                      const std::vector<core::StoredImage>& listing) {
  core::RootWants wants = scan_wants(root, root_id);
  for (const auto& problem : wants.problems) {
    log::warning(problem, log::Fields{root_id, "", ""});
  }
  auto plan = core::plan_pulls(wants.wants, listing);
  if (!plan) {
    throw util::Error::format("binding {}: {}", root_id, plan.error());
  }
  core::refresh_floating(*plan);
  return PlannedRoot{std::move(wants), std::move(*plan)};
}

BindOutcome bind_root(const quadlet_scan::RootDir& root, const std::string& root_id,
                      core::ImageStore& store, const PullerOptions& options, BindMode mode,
                      Events& events, const std::vector<core::Hold>& held) {
  auto listing = restore_lost_tags(store, held, store.list(), events, mode == BindMode::DryRun);
  auto [wants, plan] = plan_root(root, root_id, listing);
  BindOutcome result;
  result.present = plan.present.size();
  if (mode == BindMode::DryRun) {
    events.plan(root_id, plan);
    result.plan = std::move(plan);
    return result;
  }
  // Held until the images are in the store (then pinned) or the bind failed.
  auto inhibitor = plan.to_pull.empty() ? std::nullopt : inhibit_shutdown_while_pulling();
  auto outcomes = run_pulls(store, plan, options, [&](const PullEvent& e) { events.pull(e); });
  auto record = core::record_of_root(root_id, wants, outcomes, util::now_rfc3339());
  if (!record) {
    remove_pulled(store, outcomes);
    throw util::Error(record.error());
  }
  for (const auto& o : outcomes) {
    result.pulled += o.pulled ? 1 : 0;
  }
  result.record = std::move(*record);
  result.store_after = with_pulled(std::move(listing), outcomes);
  result.outcomes = std::move(outcomes);
  result.plan = std::move(plan);
  return result;
}

quadlet_scan::RootDir open_deployment_root(const ostree::Sysroot& sysroot,
                                           const ostree::Deployment& deployment) {
  auto root =
      quadlet_scan::RootDir::adopt(sysroot.deployment_dirfd(deployment), deployment.root_id);
  if (!root) {
    throw util::Error::format("opening root {}: {}", deployment.root_id, root.error().to_string());
  }
  // Pending and rollback deployments were merged when ostree wrote them; a staged one
  // only gets its /etc at shutdown.
  if (deployment.role == ostree::Role::Staged) {
    inherit_etc(*root, sysroot, deployment.osname, deployment.root_id);
  }
  return std::move(*root);
}

void inherit_etc(quadlet_scan::RootDir& root, const ostree::Sysroot& sysroot,
                 const std::string& osname, const std::string& root_id) {
  auto merge = sysroot.merge_deployment(osname);
  if (!merge) {
    return;
  }
  auto from = quadlet_scan::RootDir::adopt(sysroot.deployment_dirfd(*merge), merge->root_id);
  auto merged = from ? root.inherit_etc_from(std::move(*from))
                     : std::expected<void, quadlet_scan::Error>(std::unexpected(from.error()));
  if (!merged) {
    throw util::Error::format("reading the /etc {} inherits from {}: {}", root_id, merge->root_id,
                              merged.error().to_string());
  }
}

void remove_pulled(core::ImageStore& store, const std::vector<core::PullOutcome>& outcomes) {
  std::vector<std::string> ids;
  for (const auto& o : outcomes) {
    if (o.new_image && o.image) {
      ids.push_back(o.image->id);
    }
  }
  if (ids.empty()) {
    return;
  }
  try {
    remove_own_images(store, ids);
  } catch (const util::Error& e) {
    log::warning(
        fmt::format("could not remove the images of a failed command again: {}", e.what()));
  }
}

std::optional<logind::ShutdownInhibitor> inhibit_shutdown_while_pulling() {
  auto inhibitor =
      logind::ShutdownInhibitor::take("pulling the container images of the staged root");
  if (!inhibitor) {
    log::warning(
        fmt::format("no shutdown inhibitor, a reboot may cut the pulls: {}", inhibitor.error()));
    return std::nullopt;
  }
  log::debug("holding a logind shutdown inhibitor while pulling");
  return std::move(*inhibitor);
}

}  // namespace rootpin::app
