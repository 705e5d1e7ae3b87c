#include "src/core/check_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "src/core/holding.hpp"
#include "src/core/reference.hpp"

namespace rootpin::core {
namespace {

const core::StoredImage* find_recorded(const Hold& want,
                                       const std::vector<core::StoredImage>& listing) {
  for (const auto& image : listing) {
    if (!want.image_id.empty()) {
      if (image.id == want.image_id) return &image;
      continue;
    }
    if (want.digest.empty()) continue;
    if (image.digest == want.digest) return &image;
    for (const auto& rd : image.repo_digests) {
      if (rd.ends_with("@" + want.digest)) return &image;
    }
  }
  return nullptr;
}

std::string who(const Hold& i) {
  return i.kind == HoldKind::AdminPin ? "an admin pin" : to_string(i.unit_in_root());
}

std::string recorded(const Hold& i) {
  return i.digest.empty() ? fmt::format("image {}", i.image_id) : i.digest;
}

// The tag the booted root's containers run, and whether it names the recorded image.
std::optional<std::string> moved_tag(const Hold& want, const core::StoredImage& image,
                                     const std::vector<core::StoredImage>& listing) {
  auto ref = canonicalize(want.reference);
  if (!ref || ref->tag.empty()) return std::nullopt;  // by digest: cannot move
  const std::string name = ref->repository + ":" + ref->tag;
  if (std::find(image.names.begin(), image.names.end(), name) != image.names.end()) {
    return std::nullopt;
  }
  for (const auto& other : listing) {
    if (std::find(other.names.begin(), other.names.end(), name) != other.names.end()) {
      return fmt::format("{} names image {}, not the {} it was bound with", name, other.id,
                         recorded(want));
    }
  }
  return fmt::format("no image carries {} (bound with {})", name, recorded(want));
}

// Pin mode system: the placeholder that keeps `image` for this holder, if it is gone.
std::optional<Placeholder> lost_placeholder(const Hold& want, const StoredImage& image,
                                            const CheckedStore& store) {
  if (store.mode != PinMode::System) return std::nullopt;
  const auto plan = plan_holding(store.mode, {want}, {image}, store.containers);
  if (plan.create.empty()) return std::nullopt;
  return plan.create.front();
}

void check_one(CheckReport& report, const Hold& want, bool tags_must_hold,
               const CheckedStore& store) {
  ++report.checked;
  const core::StoredImage* image = find_recorded(want, store.listing);
  if (image == nullptr) {
    report.problems.push_back({CheckProblem::Kind::Missing, want,
                               fmt::format("{} for {} is missing: {} is not in the store",
                                           want.reference, who(want), recorded(want))});
    return;
  }
  bool passed = true;
  if (auto p = lost_placeholder(want, *image, store)) {
    report.problems.push_back(
        {CheckProblem::Kind::LostPlaceholder, want,
         fmt::format("{} for {} lost its placeholder {}: image {} is in the store but nothing "
                     "keeps podman rmi or image prune from taking it (the next bind, pin or "
                     "boot creates the placeholder again)",
                     want.reference, who(want), p->name, short_id(image->id)),
         p->name});
    passed = false;
  }
  if (tags_must_hold) {
    if (auto why = moved_tag(want, *image, store.listing)) {
      report.problems.push_back(
          {CheckProblem::Kind::Moved, want,
           fmt::format("{} for {} moved: {}", want.reference, who(want), *why)});
      passed = false;
    }
  } else if (const auto lost = plan_lost_tags({want}, store.listing); !lost.empty()) {
    report.problems.push_back(
        {CheckProblem::Kind::Untagged, want,
         fmt::format("{} for {} is untagged: no image carries {} any more, its image {} is "
                     "still there (the next bind, pin or boot puts the tag back)",
                     want.reference, who(want), lost.front().retag.name, short_id(image->id))});
    passed = false;
  }
  if (passed) report.ok.push_back(want);
}

}  // namespace

std::string_view to_string(CheckProblem::Kind kind) {
  switch (kind) {
    case CheckProblem::Kind::Missing: return "missing";
    case CheckProblem::Kind::Moved: return "moved";
    case CheckProblem::Kind::LostPlaceholder: return "lost_placeholder";
    case CheckProblem::Kind::Untagged: return "untagged";
  }
  return "missing";
}

CheckReport plan_check(const ledger::Ledger& ledger, const std::vector<std::string>& roots,
                       const std::optional<std::string>& booted, const CheckedStore& store) {
  CheckReport report;
  for (const auto& root_id : roots) {
    const ledger::RootRecord* record = ledger.find_root(root_id);
    if (record == nullptr) continue;
    report.roots.push_back(root_id);
    for (const auto& bound : record->images) {
      check_one(report,
                Hold{.kind = HoldKind::Unit,
                     .reference = bound.reference,
                     .digest = bound.digest,
                     .image_id = bound.image_id,
                     .root = root_id,
                     .unit = bound.unit},
                booted && *booted == root_id, store);
    }
  }
  for (const auto& pin : ledger.pins) {
    check_one(report,
              Hold{.kind = HoldKind::AdminPin,
                   .reference = pin.reference,
                   .digest = pin.digest,
                   .image_id = pin.image_id},
              false, store);
  }
  return report;
}

}  // namespace rootpin::core
