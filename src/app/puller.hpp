#pragma once
// Runs a pull plan: the missing images concurrently (--jobs), each with bounded retries,
// reporting progress, then ONE listing to learn each image's ID and digest. A plan with
// nothing to pull makes no pull call at all (and so no registry request).
//
// Before anything is pulled, the store's file system must have min_free bytes available
// (see free_space.hpp: a floor, since an image's size is only knowable by asking the
// registry); below it every missing image fails with that reason and nothing is pulled.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/core/image_store.hpp"
#include "src/core/pull_outcome.hpp"
#include "src/core/pull_plan.hpp"

namespace rootpin::app {

using core::ImageStore;
using core::PullOutcome;
using core::StoredImage;

struct PullEvent {
  enum class Kind { Started, Retrying, Done, Failed };
  Kind kind = Kind::Started;
  std::string reference;  // as written
  int attempt = 1;        // 1-based
  int tries = 1;          // the bound
  std::string message;    // Retrying/Failed: the reason
  std::string image_id;   // Done
};

// Called from the pulling threads, one call at a time.
using PullReporter = std::function<void(const PullEvent&)>;

struct PullerOptions {
  int jobs = 3;
  std::chrono::seconds timeout{600};  // per podman pull call
  int default_tries = 3;              // when the unit sets no Retry=
  // Wait before a retry when the unit sets no RetryDelay=: doubles on each retry.
  std::chrono::milliseconds default_delay{1000};
  // Bytes the store's file system must have available before the first pull; 0: no check.
  std::uint64_t min_free = 0;
};

// One outcome per planned image, present ones first, in plan order.
std::vector<PullOutcome> run_pulls(ImageStore& store, const core::PullPlan& plan,
                                   const PullerOptions& options, const PullReporter& report);

// Retry= of a unit is retries after the first try; "5s", "1m30s", "250ms", "2" (seconds).
std::optional<std::chrono::milliseconds> parse_retry_delay(const std::string& text);
int tries_for(const quadlet_scan::PullOptions& options, int default_tries);

// Whether a pull error is worth retrying (network trouble) or final (unknown tag,
// refused credentials, bad reference).
bool is_retryable(const std::string& reason);

}  // namespace rootpin::app
