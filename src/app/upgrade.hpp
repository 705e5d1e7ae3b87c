#pragma once
// upgrade: the OS update and the bind of its new root as one transaction (DESIGN.md
// "upgrade as a transaction"): a root whose images cannot be pinned is undone.

#include <string>

#include "src/app/context.hpp"
#include "src/app/events.hpp"
#include "src/app/gc.hpp"

namespace rootpin::app {

struct UpgradeRequest {
  std::string osname;  // empty: the booted deployment's, or deployment 0's
  bool check = false;  // only say whether an update exists and what it would pull
};

struct UpgradeReport {
  std::string osname;
  bool updated = false;  // a new root was deployed (and bound)
  GcReport gc;           // the gc that followed
};

// What happens is told through events (no_update, update_available, plan, repulled,
// deployed, gc_image); util::Error when it failed (the new root undone).
UpgradeReport upgrade(Context& ctx, const UpgradeRequest& request, Events& events);

}  // namespace rootpin::app
