#pragma once
// status: every image in the store, who holds it (admin pins with their reason and time,
// root records), what nothing holds, holds whose image is missing, the store's size and
// the roots. Takes no lock.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/app/context.hpp"
#include "src/core/gc_plan.hpp"
#include "src/core/holding.hpp"
#include "src/ledger/ledger.hpp"
#include "src/ostree/deployment.hpp"
#include "src/ostree/finalization_lock.hpp"

namespace rootpin::app {

struct RootStatus {
  ostree::Deployment deployment;
  // Only a staged root can be finalization-locked: by whom, if it is.
  std::optional<ostree::FinalizationLock::Owner> finalization_locked;
};

struct StatusReport {
  std::string store_path;  // "" in pin mode system: podman's own
  core::PinMode pin_mode = core::PinMode::Store;
  std::size_t placeholders = 0;               // rootpin's placeholder containers (pin mode system)
  std::vector<core::Hold> lost_placeholders;  // holds whose placeholder a prune removed
  std::size_t images = 0;
  std::uint64_t size = 0;  // bytes, every image of the store
  // keep: held images with their holds; remove: unheld images gc would take (pin mode system:
  // only rootpin's own pulls that no container uses); missing: holds whose image is gone.
  core::GcPlan holds;
  ledger::Ledger ledger;
  // The sysroot's deployments; nullopt when there is no ostree sysroot (the ledger's
  // records are then all there is to show).
  std::optional<std::vector<RootStatus>> roots;
};

StatusReport status(Context& ctx);

}  // namespace rootpin::app
