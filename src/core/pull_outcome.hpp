#pragma once
// What pulling one planned image came to: the image the store has for it, or why not.
// The puller (app/puller.hpp) makes these; core/root_binding.hpp turns them into a record.

#include <optional>
#include <string>

#include "src/core/image_store.hpp"
#include "src/core/pull_plan.hpp"

namespace rootpin::core {

struct PullOutcome {
  PlannedImage planned;
  std::optional<StoredImage> image;  // the stored image (present or pulled)
  std::string digest;                // manifest digest for the reference
  std::optional<std::string> error;  // the pull failed after every try
  bool pulled = false;               // pulled now (false: was present)
  // Pulled now AND its image ID was not in the store before (PullPlan::listed_ids): an image
  // this run brought, not another name for one the store had.
  bool new_image = false;
};

}  // namespace rootpin::core
