#include "src/core/pull_plan.hpp"

#include <algorithm>

namespace rootpin::core {

PullWant unit_want(const UnitInRoot& unit, std::string reference,
                   quadlet_scan::PullOptions options) {
  return PullWant{std::move(reference), std::move(options), to_string(unit), unit};
}

std::expected<PullPlan, std::string> plan_pulls(const std::vector<PullWant>& wants,
                                                const std::vector<core::StoredImage>& listing) {
  std::vector<PlannedImage> unique;
  for (const auto& want : wants) {
    auto ref = canonicalize(want.reference);
    if (!ref) {
      return std::unexpected(ref.error() +
                             (want.wanted_by.empty() ? "" : " (" + want.wanted_by + ")"));
    }
    auto same = std::find_if(unique.begin(), unique.end(), [&](const PlannedImage& p) {
      return p.ref.name() == ref->name() && p.options == want.options;
    });
    if (same == unique.end()) {
      unique.push_back({*ref, want.options, {}, std::nullopt});
      same = std::prev(unique.end());
    }
    if (!want.wanted_by.empty() && std::find(same->wanted_by.begin(), same->wanted_by.end(),
                                             want.wanted_by) == same->wanted_by.end()) {
      same->wanted_by.push_back(want.wanted_by);
    }
  }
  PullPlan plan;
  for (const auto& image : listing) {
    plan.listed_ids.push_back(image.id);
  }
  for (auto& p : unique) {
    // --all-tags asks for every tag of the repository: the listing cannot tell whether
    // the registry has new ones, so such a want is always pulled.
    p.present = p.options.all_tags.value_or(false) ? std::nullopt : find_image(p.ref, listing);
    (p.present ? plan.present : plan.to_pull).push_back(std::move(p));
  }
  return plan;
}

}  // namespace rootpin::core
