#pragma once
// Binding one root, with I/O: scan it through its dirfd, plan against ONE listing of the
// store, pull what is missing, and build its ledger record. Used by `bind` and `upgrade`.
// The caller saves the record (after the pulls: pull before recording a root).

#include <optional>
#include <string>
#include <vector>

#include "quadlet-scan/root_dir.hpp"
#include "src/app/events.hpp"
#include "src/app/puller.hpp"
#include "src/core/gc_plan.hpp"
#include "src/core/image_store.hpp"
#include "src/core/pull_plan.hpp"
#include "src/core/root_binding.hpp"
#include "src/ledger/ledger.hpp"
#include "src/logind/shutdown_inhibitor.hpp"

namespace rootpin::ostree {
class Sysroot;
class FinalizationLock;
struct Deployment;
}  // namespace rootpin::ostree

namespace rootpin::app {

enum class BindMode { Bind, DryRun };

struct BindOutcome {
  std::optional<ledger::RootRecord> record;  // nullopt on a dry run
  core::PullPlan plan;                       // what was (dry run: would be) pulled
  std::size_t present = 0;                   // images the store already had
  std::size_t pulled = 0;                    // images pulled now
  // The store after the bind: the listing it planned with, with the images it pulled
  // (as listed after the pulls). Valid while the caller holds the writer lock, so that
  // `upgrade` can gc without listing the store a third time.
  std::vector<core::StoredImage> store_after;
  // What each planned image came to (pulled now or present), for ledger.pulled.
  std::vector<core::PullOutcome> outcomes;
};

struct PlannedRoot {
  core::RootWants wants;
  core::PullPlan plan;  // floating tags with Policy=always|newer count as pulls
};

// Scans a root and plans its pulls against one listing of the store; unit problems are
// logged as warnings. Throws util::Error when the root cannot be scanned or planned.
PlannedRoot plan_root(const quadlet_scan::RootDir& root, const std::string& root_id,
                      const std::vector<core::StoredImage>& listing);

// On a failed pull, the images this call pulled are removed again (the store is as it
// was) and util::Error names each image, unit, root and podman's reason. Units that cannot
// be resolved are logged as warnings and the rest of the root is still bound.
// A dry run tells the plan (events.plan) and changes nothing. Pull progress goes to
// events.pull. `held` (the ledger's holds): their lost tags are put back before planning
// (restore_lost_tags), so that a tag removed from a held image is not pulled again from the
// registry but names the image it named before.
BindOutcome bind_root(const quadlet_scan::RootDir& root, const std::string& root_id,
                      core::ImageStore& store, const PullerOptions& options, BindMode mode,
                      Events& events, const std::vector<core::Hold>& held);

// The root's scan as pull wants (unit problems listed, not thrown). Throws util::Error
// when the root cannot be scanned.
core::RootWants scan_wants(const quadlet_scan::RootDir& root, const std::string& root_id);

// The references a root's scan wants. Throws util::Error when the root cannot be scanned.
std::vector<std::string> scan_references(const quadlet_scan::RootDir& root,
                                         const std::string& root_id);

// The deployment's directory as a quadlet-scan root (openat2-confined). A staged
// deployment's /etc is read as ostree will merge it at finalization, from its merge
// deployment's (the booted one's) /etc, read through that deployment's own directory.
quadlet_scan::RootDir open_deployment_root(const ostree::Sysroot& sysroot,
                                           const ostree::Deployment& deployment);

// Reads root's /etc as a new deployment of osname will have it once ostree merges the
// merge deployment's /etc changes into it (a commit's tree, a staged deployment). Without
// a merge deployment the root's own /etc (or /usr/etc) is read.
void inherit_etc(quadlet_scan::RootDir& root, const ostree::Sysroot& sysroot,
                 const std::string& osname, const std::string& root_id);

// Undoes a failed command's own pulls (the images it brought: PullOutcome::new_image), so
// that the store is as the command found it. A removal that fails is a warning.
void remove_pulled(core::ImageStore& store, const std::vector<core::PullOutcome>& outcomes);

// A logind shutdown inhibitor ("block") while images are pulled, so that a reboot started
// meanwhile (rpm-ostree finalize-deployment, systemctl reboot) is refused; released when it
// goes out of scope. Without logind: a warning, and nullopt.
std::optional<logind::ShutdownInhibitor> inhibit_shutdown_while_pulling();

}  // namespace rootpin::app
