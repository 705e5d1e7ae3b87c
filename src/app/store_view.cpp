#include "src/app/store_view.hpp"

namespace rootpin::app {

std::vector<core::StoredImage> list_store(Context& ctx) {
  std::error_code ec;
  // No podman run for rootpin's own store before it exists (pin mode system: podman's own).
  if (!ctx.options.store.empty() && !std::filesystem::exists(ctx.options.store, ec)) {
    return {};
  }
  return ctx.image_store().list();
}

}  // namespace rootpin::app
