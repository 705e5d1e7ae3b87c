#include <doctest/doctest.h>

#include "src/core/gc_plan.hpp"

using namespace rootpin::core;
using rootpin::core::StoredImage;

TEST_CASE("gc removes exactly the images nothing holds") {
  std::vector<StoredImage> listing = {
      {"id1", {"q/a:1"}, {"q/a@sha256:1"}, "sha256:1", 1},
      {"id2", {"q/b:1"}, {"q/b@sha256:2"}, "sha256:2", 1},
      {"id3", {}, {"q/c@sha256:3"}, "sha256:3", 1},
  };
  std::vector<Hold> holds = {
      {HoldKind::AdminPin, "q/a:1", "sha256:1", "id1"},
      {HoldKind::Unit, "q/a:1", "sha256:1", "id1", "os/abc.0", "web.container"},
      {HoldKind::AdminPin, "q/gone:1", "sha256:9", "id9"},
  };
  auto plan = plan_gc(listing, holds);
  REQUIRE(plan.keep.size() == 1);
  CHECK(plan.keep[0].image.id == "id1");
  CHECK(plan.keep[0].holds.size() == 2);
  REQUIRE(plan.remove.size() == 2);
  CHECK(plan.remove[0].id == "id2");
  CHECK(plan.remove[1].id == "id3");
  REQUIRE(plan.missing.size() == 1);
  CHECK(plan.missing[0].reference == "q/gone:1");
}

TEST_CASE("a hold keeps an image by digest when its recorded ID changed") {
  StoredImage img{"newid", {"q/a:1"}, {"q/a@sha256:1"}, "sha256:other", 1};
  CHECK(holds({HoldKind::AdminPin, "q/a:1", "sha256:1", "oldid"}, img));
  CHECK(holds({HoldKind::AdminPin, "q/a:1", "", "newid"}, img));
  CHECK_FALSE(holds({HoldKind::AdminPin, "q/a:1", "sha256:2", "oldid"}, img));
  CHECK_FALSE(holds({HoldKind::AdminPin, "q/a:1", "", ""}, img));
}

TEST_CASE("nothing held: everything goes; no images: nothing to do") {
  auto plan = plan_gc({{"id1", {}, {}, "", 1}}, {});
  CHECK(plan.remove.size() == 1);
  CHECK(plan.keep.empty());
  CHECK(plan_gc({}, {}).remove.empty());
}
