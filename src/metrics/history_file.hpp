#pragma once
// The metrics history in the state directory (metrics.json, 0600): read, changed and
// written back atomically under an exclusive flock on metrics.lock beside it, so that two
// commands ending at once (a reader's `status` and a writer's `bind`) both count.

#include <functional>
#include <string>

#include "src/metrics/metrics.hpp"

namespace rootpin::metrics {

inline constexpr const char* kHistoryName = "metrics.json";

// A missing or damaged metrics.json is the empty history; a missing state directory
// persists nothing (the changed empty history is returned). Throws util::Error when the
// file cannot be written.
History update_history(const std::string& state_dir, const std::function<void(History&)>& change);

}  // namespace rootpin::metrics
