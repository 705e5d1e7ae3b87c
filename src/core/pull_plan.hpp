#pragma once
// What to pull: every wanted reference once (same reference and same pull options), split
// into what the store already has and what must be pulled. Pure: one listing in, a plan out.

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "quadlet-scan/scanner.hpp"
#include "src/core/hold.hpp"
#include "src/core/image_store.hpp"
#include "src/core/reference.hpp"

namespace rootpin::core {

struct PullWant {
  std::string reference;  // as written
  quadlet_scan::PullOptions options;
  // Who wants it, for plans and messages only: "admin pin", "web.container in fedora/abc.0"
  std::string wanted_by;
  std::optional<UnitInRoot> unit = {};  // the root's unit that wants it (unit_want)
  std::string key = {};                 // what in the unit named it: "Image", "Mount", "Yaml"
  std::string named_at = {};            // its file:line in the root
};

// What a unit of a root wants: wanted_by names the unit in its root.
PullWant unit_want(const UnitInRoot& unit, std::string reference,
                   quadlet_scan::PullOptions options);

struct PlannedImage {
  CanonicalRef ref;
  quadlet_scan::PullOptions options;
  std::vector<std::string> wanted_by;
  std::optional<core::StoredImage> present;  // set when the store already has it
};

struct PullPlan {
  std::vector<PlannedImage> present;
  std::vector<PlannedImage> to_pull;
  // The image IDs of the listing it was planned against: what the store had before any
  // pull (a pull that only names one of them again brings no new image).
  std::vector<std::string> listed_ids;

  bool noop() const { return to_pull.empty(); }
};

// Fails on the first invalid reference, naming it and who wants it.
std::expected<PullPlan, std::string> plan_pulls(const std::vector<PullWant>& wants,
                                                const std::vector<core::StoredImage>& listing);

}  // namespace rootpin::core
