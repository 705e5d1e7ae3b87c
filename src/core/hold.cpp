#include "src/core/hold.hpp"

namespace rootpin::core {

std::string to_string(const UnitInRoot& unit_in_root) {
  return unit_in_root.unit + " in " + unit_in_root.root;
}

std::string Hold::holder() const {
  switch (kind) {
    case HoldKind::AdminPin: return "admin pin";
    case HoldKind::Unit: return to_string(unit_in_root());
    case HoldKind::UnrecordedRoot: return "unrecorded root " + root;
  }
  return "admin pin";
}

}  // namespace rootpin::core
