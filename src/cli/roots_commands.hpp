#pragma once
// What the commands about OS roots share: gc of roots (used by `gc` and by `upgrade`'s last
// step) and the roots section of `status`.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "src/app/context.hpp"
#include "src/core/gc_plan.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::cli {

enum class GcMode { Remove, DryRun };

// Drops the records of roots ostree no longer has on disk (live = every deployment,
// pinned ones included) and, unless DryRun, saves the ledger: retirements are recorded
// before any image is removed. Returns the retired root ids.
std::vector<std::string> retire_roots(const ostree::Sysroot& sysroot, app::LedgerWriter& writer,
                                      GcMode mode);

// Holds of the live roots that have no record yet: each is rescanned through its dirfd,
// never trusted to hold nothing. Throws util::Error if one cannot be scanned (gc must then
// remove nothing).
std::vector<core::Hold> holds_of_unrecorded_roots(const ostree::Sysroot& sysroot,
                                                  const ledger::Ledger& ledger,
                                                  const std::vector<core::StoredImage>& listing);

// Retire, then remove every image nothing holds (admin pins, records, unrecorded roots).
// `listing`: the store as this process last saw it under the same writer lock (upgrade's
// bind), which saves a podman run; without it the store is listed.
util::ExitCode gc_with_roots(app::Context& ctx, const ostree::Sysroot& sysroot,
                             app::LedgerWriter& writer, GcMode mode,
                             std::optional<std::vector<core::StoredImage>> listing = std::nullopt);

// The sysroot at path, or nullopt when path is not an ostree sysroot (a plain host: pins
// only). A sysroot that exists but fails to load is still an error.
std::optional<ostree::Sysroot> load_sysroot_if_any(const std::string& path);

// The roots section of `rootpin status`: each deployment (index, role, version,
// checksum, pinned) with the images recorded for it; JSON: an array of objects.
nlohmann::json roots_json(const ostree::Sysroot& sysroot, const ledger::Ledger& ledger);
void print_roots(const ostree::Sysroot& sysroot, const ledger::Ledger& ledger);

}  // namespace rootpin::cli
