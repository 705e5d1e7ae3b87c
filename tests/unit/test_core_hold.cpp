#include <doctest/doctest.h>

#include "src/core/hold.hpp"
#include "src/core/holding.hpp"

using namespace rootpin::core;

TEST_CASE("a unit in a root is a pair, named once") {
  const UnitInRoot web{"web.container", "fedora/abc.0"};
  CHECK(to_string(web) == "web.container in fedora/abc.0");
  CHECK(web == UnitInRoot{"web.container", "fedora/abc.0"});
  CHECK_FALSE(web == UnitInRoot{"web.container", "fedora/def.0"});
  // A unit name may hold " in ": the pair keeps it whole (nothing parses the text back).
  const UnitInRoot odd{"a in b.container", "r"};
  CHECK(odd.unit == "a in b.container");
}

TEST_CASE("a hold's kind says who holds it; its texts are made from the kind") {
  const Hold pin{.kind = HoldKind::AdminPin, .reference = "quay.io/acme/tool:2"};
  const Hold unit{.kind = HoldKind::Unit,
                  .reference = "quay.io/acme/web:1",
                  .root = "fedora/abc.0",
                  .unit = "web.container"};
  const Hold rescanned{
      .kind = HoldKind::UnrecordedRoot, .reference = "quay.io/acme/web:1", .root = "fedora/def.0"};
  CHECK(pin.holder() == "admin pin");
  CHECK(unit.holder() == "web.container in fedora/abc.0");
  CHECK(unit.unit_in_root() == UnitInRoot{"web.container", "fedora/abc.0"});
  CHECK(rescanned.holder() == "unrecorded root fedora/def.0");
  // The placeholder label, an on-disk format that earlier rootpins wrote too.
  CHECK(holder_label(pin) == "admin pin quay.io/acme/tool:2");
  CHECK(holder_label(unit) == "web.container");
  CHECK(holder_label(rescanned) == "quay.io/acme/web:1");
}
