#include "src/cli/store_view.hpp"

namespace rootpin::cli {

std::vector<podman::StoredImage> list_store(Context& ctx) {
  std::error_code ec;
  if (!std::filesystem::exists(ctx.options.store, ec)) {
    return {};
  }
  return ctx.image_store().list();
}

}  // namespace rootpin::cli
