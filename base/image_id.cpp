#include "base/image_id.hpp"

namespace rootpin::util {

std::string bare_image_id(std::string_view id) {
  if (id.starts_with(kSha256Prefix)) {
    id.remove_prefix(kSha256Prefix.size());
  }
  return std::string(id);
}

}  // namespace rootpin::util
