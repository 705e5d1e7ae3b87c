#pragma once
// What a use case tells while it runs, in the order it happens, for the command line to
// render (text or JSON). The use cases never print; their results come back as reports.

#include <string>

#include <vector>
#include "src/app/puller.hpp"

#include "src/core/boot_plan.hpp"
#include "src/core/gc_plan.hpp"
#include "src/core/image_store.hpp"
#include "src/core/pull_plan.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::app {

enum class GcAction { WouldRemove, Removing, Removed };

class Events {
public:
  virtual ~Events() = default;
  // A pull's progress (from the pulling threads, one call at a time).
  virtual void pull(const PullEvent& event) = 0;
  // The plan of a dry run (`bind --dry-run`, `upgrade --check`) for a root.
  virtual void plan(const std::string& root_id, const core::PullPlan& plan) = 0;
  // An image that gc removes, removed or would remove.
  virtual void gc_image(GcAction action, const core::StoredImage& image) = 0;
  // upgrade: no new commit (verifying: the live roots' images are checked next), an update
  // found by --check, a missing image of a live root pulled again, the new root deployed.
  virtual void no_update(const std::string& osname, bool verifying) = 0;
  virtual void update_available(const std::string& osname, const ostree::Update& update) = 0;
  virtual void repulled(const std::string& reference) = 0;
  virtual void deployed(ostree::Role role, const std::string& root_id,
                        const std::string& version) = 0;
  // boot: a tag moved back to the image its root was bound with.
  virtual void retagged(const std::string& root_id, const core::Retag& retag) = 0;
  // Pin mode system (core/holding.hpp): a holder's placeholder that a prune had removed,
  // created again; an image a prune took, pulled again by its recorded digest for `holders`;
  // a placeholder gc removes (or would remove) because nothing holds it any more.
  virtual void placeholder_recreated(const core::Hold& hold, const core::Placeholder& p) = 0;
  virtual void image_restored(const std::string& reference,
                              const std::vector<std::string>& holders) = 0;
  virtual void placeholder_released(bool dry_run, const core::StoredContainer& placeholder) = 0;
};

}  // namespace rootpin::app
