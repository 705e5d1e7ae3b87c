#include "base/errno_error.hpp"

#include <cstring>

namespace rootpin::util {

Error errno_error(std::string_view action, const std::string& path, int err) {
  return Error::format("cannot {} {}: {}", action, path, std::strerror(err));
}

}  // namespace rootpin::util
