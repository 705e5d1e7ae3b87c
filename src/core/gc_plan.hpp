#pragma once
// What holds each image in the store, and what gc may remove. Pure.

#include <string>
#include <vector>

#include "src/core/hold.hpp"
#include "src/core/image_store.hpp"

namespace rootpin::core {

// A hold names an image by its recorded ID, or by its digest if the ID changed (a
// conservative match: keeping too much is recoverable, removing too much is not).
bool holds(const Hold& hold, const core::StoredImage& image);

struct HeldImage {
  core::StoredImage image;
  std::vector<Hold> holds;
};

struct GcPlan {
  std::vector<HeldImage> keep;            // held images, each with who holds it
  std::vector<core::StoredImage> remove;  // nothing holds these
  std::vector<Hold> missing;              // holds whose image is not in the store
};

GcPlan plan_gc(const std::vector<core::StoredImage>& listing, const std::vector<Hold>& holds);

}  // namespace rootpin::core
