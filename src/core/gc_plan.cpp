#include "src/core/gc_plan.hpp"

#include <algorithm>

namespace rootpin::core {

bool holds(const Hold& hold, const core::StoredImage& image) {
  if (!hold.image_id.empty() && hold.image_id == image.id) {
    return true;
  }
  if (hold.digest.empty()) {
    return false;
  }
  if (image.digest == hold.digest) {
    return true;
  }
  return std::any_of(image.repo_digests.begin(), image.repo_digests.end(),
                     [&](const std::string& rd) { return rd.ends_with("@" + hold.digest); });
}

GcPlan plan_gc(const std::vector<core::StoredImage>& listing, const std::vector<Hold>& all_holds) {
  GcPlan plan;
  std::vector<bool> used(all_holds.size(), false);
  for (const auto& image : listing) {
    HeldImage held{image, {}};
    for (size_t i = 0; i < all_holds.size(); ++i) {
      if (holds(all_holds[i], image)) {
        held.holds.push_back(all_holds[i]);
        used[i] = true;
      }
    }
    if (held.holds.empty()) {
      plan.remove.push_back(image);
    } else {
      plan.keep.push_back(std::move(held));
    }
  }
  for (size_t i = 0; i < all_holds.size(); ++i) {
    if (!used[i]) {
      plan.missing.push_back(all_holds[i]);
    }
  }
  return plan;
}

}  // namespace rootpin::core
