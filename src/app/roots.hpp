#pragma once
// What the use cases about OS roots share: the sysroot if there is one, retiring the
// records of roots ostree dropped, and the holds of live roots that have no record yet.

#include <optional>
#include <string>
#include <vector>

#include "src/app/context.hpp"
#include "src/core/gc_plan.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::app {

enum class GcMode { Remove, DryRun };

// Drops the records of roots ostree no longer has on disk (live = every deployment,
// pinned ones included) and, unless DryRun, saves the ledger: retirements are recorded
// before any image is removed. Returns the retired root ids.
std::vector<std::string> retire_roots(const ostree::Sysroot& sysroot, LedgerWriter& writer,
                                      GcMode mode);

// Holds of the live roots that have no record yet: each is rescanned through its dirfd,
// never trusted to hold nothing. Throws util::Error if one cannot be scanned (gc must then
// remove nothing).
std::vector<core::Hold> holds_of_unrecorded_roots(const ostree::Sysroot& sysroot,
                                                  const ledger::Ledger& ledger,
                                                  const std::vector<core::StoredImage>& listing);

// The sysroot at path, or nullopt when path is not an ostree sysroot (a plain host: pins
// only). A sysroot that exists but fails to load is still an error.
std::optional<ostree::Sysroot> load_sysroot_if_any(const std::string& path);

}  // namespace rootpin::app
