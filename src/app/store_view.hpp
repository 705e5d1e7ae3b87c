#pragma once
// What status and gc both need: the store's listing set against the ledger's holds.

#include <filesystem>

#include "src/app/context.hpp"
#include "src/core/gc_plan.hpp"

namespace rootpin::app {

// The listing of the store, empty (and no podman run) when the store does not exist yet.
std::vector<core::StoredImage> list_store(Context& ctx);

}  // namespace rootpin::app
