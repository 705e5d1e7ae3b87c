#include "src/app/store_view.hpp"

namespace rootpin::app {

std::vector<core::StoredImage> list_store(Context& ctx) {
  std::error_code ec;
  if (!std::filesystem::exists(ctx.options.store, ec)) {
    return {};
  }
  return ctx.image_store().list();
}

}  // namespace rootpin::app
