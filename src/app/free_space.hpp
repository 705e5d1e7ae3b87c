#pragma once
// The check before pulling: is there room on the store's file system?
//
// An image's size is only knowable by asking the registry (a request a no-op run must not
// make), so this is a floor, not a forecast: below `min_free` bytes available, nothing is
// pulled. Pulling into an almost full file system would fill it for everything else on the
// host (the journal, podman's own state), which is worse than not pre-pulling.

#include <cstdint>
#include <optional>
#include <string>

namespace rootpin::app {

struct FreeSpace {
  std::string checked;          // the path statvfs looked at (the store or its nearest parent)
  std::uint64_t available = 0;  // bytes an unprivileged writer may still use
};

// statvfs of `store`, or of its nearest existing parent when it is not created yet.
// nullopt when even that fails (the pull itself will then say what is wrong).
std::optional<FreeSpace> free_space_of(const std::string& store);

// Why not to pull: "the file system of /var/lib/rootpin/storage has 312.0 MB free, below
// min-free 1.1 GB"; nullopt when there is room (or min_free is 0, or it cannot be known).
std::optional<std::string> free_space_problem(const std::string& store, std::uint64_t min_free);

}  // namespace rootpin::app
