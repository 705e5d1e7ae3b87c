#pragma once
// gc: remove from the store every image nothing holds, in one podman call. On an ostree
// sysroot the records of retired roots go first; a ledger that records roots is only
// trusted with a sysroot that can be read (a gc that cannot see the roots refuses rather
// than free what a live root needs).

#include <optional>
#include <string>
#include <vector>

#include "src/app/context.hpp"
#include "src/app/events.hpp"
#include "src/app/roots.hpp"

namespace rootpin::app {

struct GcReport {
  std::vector<std::string> retired;        // roots whose records were dropped
  std::vector<core::StoredImage> removed;  // removed (dry run: would be removed)
};

// `rootpin gc`: takes the writer lock. Throws util::Error with ExitCode::Partial when the
// store could not remove everything.
GcReport gc(Context& ctx, GcMode mode, Events& events);

// Retire, then remove every image nothing holds (admin pins, records, unrecorded roots),
// under the caller's writer lock. `listing`: the store as this process last saw it under
// the same lock (upgrade's bind), which saves a podman run; without it the store is listed.
GcReport gc_with_roots(Context& ctx, const ostree::Sysroot& sysroot, LedgerWriter& writer,
                       GcMode mode, Events& events,
                       std::optional<std::vector<core::StoredImage>> listing = std::nullopt);

}  // namespace rootpin::app
