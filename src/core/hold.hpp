#pragma once
// Who holds an image, typed: an admin pin, a unit of a recorded root, or a live root without
// a record yet (gc rescans it rather than trusting it to hold nothing). The texts
// ("admin pin", "web.container in fedora/abc.0") are made here, for messages and output
// only; nothing parses them back.

#include <string>

namespace rootpin::core {

enum class HoldKind { AdminPin, Unit, UnrecordedRoot };

// A unit of a root: who wants an image in a bind, and holds it once the root is recorded.
struct UnitInRoot {
  std::string unit;  // "web.container"
  std::string root;  // "fedora/abc.0"

  bool operator==(const UnitInRoot&) const = default;
};

// "web.container in fedora/abc.0"
std::string to_string(const UnitInRoot& unit_in_root);

// One claim on an image.
struct Hold {
  HoldKind kind = HoldKind::AdminPin;
  std::string reference = {};
  std::string digest = {};    // manifest digest recorded when pinned
  std::string image_id = {};  // image ID recorded when pinned (bare, base/image_id.hpp)
  std::string root = {};      // Unit, UnrecordedRoot: the root's id ("" for an admin pin)
  std::string unit = {};      // Unit: the unit of that root

  UnitInRoot unit_in_root() const { return {unit, root}; }
  // "admin pin", "web.container in fedora/abc.0", "unrecorded root fedora/abc.0"
  std::string holder() const;
};

}  // namespace rootpin::core
