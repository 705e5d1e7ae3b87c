#include "src/ostree/deployment.hpp"

#include <fmt/format.h>

namespace rootpin::ostree {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::Booted: return "booted";
    case Role::Staged: return "staged";
    case Role::Pending: return "pending";
    case Role::Rollback: return "rollback";
  }
  return "unknown";
}

std::string make_root_id(std::string_view osname, std::string_view checksum, int serial) {
  return fmt::format("{}/{}.{}", osname, checksum, serial);
}

}  // namespace rootpin::ostree
