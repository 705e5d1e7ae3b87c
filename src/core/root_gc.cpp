#include "src/core/root_gc.hpp"

#include "src/core/reference.hpp"

namespace rootpin::core {

RootRetirement plan_root_retirement(const ledger::Ledger& ledger,
                                    const std::set<std::string>& live_root_ids) {
  RootRetirement plan;
  for (const auto& [root_id, record] : ledger.roots) {
    // A root bound with --root is held until `rootpin forget`: never retired here.
    if (record.held_dir.empty() && !live_root_ids.contains(root_id)) {
      plan.retired.push_back(root_id);
    }
  }
  for (const auto& root_id : live_root_ids) {
    if (!ledger.roots.contains(root_id)) {
      plan.unrecorded.push_back(root_id);
    }
  }
  return plan;
}

std::vector<Hold> holds_of_references(const std::string& root_id,
                                      const std::vector<std::string>& references,
                                      const std::vector<core::StoredImage>& listing) {
  std::vector<Hold> holds;
  for (const auto& reference : references) {
    auto ref = canonicalize(reference);
    if (!ref) {
      continue;
    }
    if (auto image = find_image(*ref, listing)) {
      holds.push_back(Hold{.kind = HoldKind::UnrecordedRoot,
                           .reference = reference,
                           .digest = digest_for(*ref, *image),
                           .image_id = image->id,
                           .root = root_id});
    }
  }
  return holds;
}

}  // namespace rootpin::core
