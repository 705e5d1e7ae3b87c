#include "quadlet-scan/error.hpp"

#include <fmt/format.h>

namespace quadlet_scan {

std::string Error::to_string() const {
  if (path.empty()) {
    return message;
  }
  if (line == 0) {
    return fmt::format("{}: {}", path, message);
  }
  return fmt::format("{}:{}: {}", path, line, message);
}

}  // namespace quadlet_scan
