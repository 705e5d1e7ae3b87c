#include "src/core/boot_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "src/core/reference.hpp"

namespace rootpin::core {
BootPlan plan_boot(const ledger::RootRecord& record,
                   const std::vector<core::StoredImage>& listing) {
  BootPlan plan;
  std::set<std::string> planned;
  for (const auto& bound : record.images) {
    auto ref = canonicalize(bound.reference);
    if (!ref || ref->tag.empty()) {
      continue;  // by digest (or unreadable): nothing floats
    }
    const std::string name = ref->repository + ":" + ref->tag;
    if (!planned.insert(name).second) {
      continue;
    }
    auto image = std::find_if(listing.begin(), listing.end(),
                              [&](const core::StoredImage& i) { return i.id == bound.image_id; });
    if (image == listing.end()) {
      plan.missing.push_back(fmt::format("{} for {} (image {}) is not in the store",
                                         bound.reference, bound.unit, bound.image_id));
      continue;
    }
    if (std::find(image->names.begin(), image->names.end(), name) != image->names.end()) {
      ++plan.already_right;
      continue;
    }
    plan.retags.push_back(Retag{image->id, name});
  }
  return plan;
}

}  // namespace rootpin::core
