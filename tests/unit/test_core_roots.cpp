// Pure decisions about roots: binding records, retirement, holds, rollback re-pointing.

#include <doctest/doctest.h>

#include "src/core/boot_plan.hpp"
#include "src/core/root_binding.hpp"
#include "src/core/root_gc.hpp"

using namespace rootpin;

namespace {

const std::string kRoot = "testos/aaaa.0";
const std::string kIdA(64, 'a');
const std::string kIdB(64, 'b');

quadlet_scan::UnitResult unit(std::string name, std::optional<std::string> image) {
  quadlet_scan::UnitResult u;
  u.unit = std::move(name);
  u.source = "/usr/share/containers/systemd/" + u.unit;
  u.image = std::move(image);
  return u;
}

core::StoredImage stored(const std::string& id, std::vector<std::string> names,
                         const std::string& digest) {
  core::StoredImage image;
  image.id = id;
  image.names = std::move(names);
  image.digest = digest;
  return image;
}

}  // namespace

TEST_CASE("a root's scan becomes wants; unresolved units are named problems") {
  quadlet_scan::ScanResult scan;
  scan.units.push_back(unit("web.container", "127.0.0.1:5000/web:1"));
  auto broken = unit("bad.image", std::nullopt);
  broken.error =
      quadlet_scan::Error{"Image= is empty", "/usr/share/containers/systemd/bad.image", 3, 0};
  scan.units.push_back(broken);
  auto built = unit("local.container", std::nullopt);
  built.built_locally = "localhost/local";
  scan.units.push_back(built);

  auto wants = core::wants_of_root(scan, kRoot);
  REQUIRE(wants.wants.size() == 1);
  CHECK(wants.wants[0].reference == "127.0.0.1:5000/web:1");
  CHECK(wants.wants[0].wanted_by == "web.container in testos/aaaa.0");
  CHECK(wants.wants[0].unit == core::UnitInRoot{"web.container", kRoot});
  REQUIRE(wants.problems.size() == 1);
  CHECK(wants.problems[0] ==
        "bad.image in testos/aaaa.0: /usr/share/containers/systemd/bad.image:3: Image= is empty");
}

TEST_CASE("a unit that needs several images wants each, with the key that named it") {
  quadlet_scan::ScanResult scan;
  auto web = unit("web.container", "127.0.0.1:5000/web:1");
  const std::string file = "/usr/share/containers/systemd/web.container";
  web.images = {{"127.0.0.1:5000/web:1", "Image", file, 2, std::nullopt, std::nullopt, {}},
                {"127.0.0.1:5000/assets:7", "Mount", file, 4, std::nullopt, std::nullopt, {}},
                {"127.0.0.1:5000/models:2", "Mount", file, 5, "models.image", std::nullopt, {}}};
  web.images[2].pull.tls_verify = false;
  scan.units.push_back(web);
  auto wants = core::wants_of_root(scan, kRoot);
  REQUIRE(wants.wants.size() == 3);
  CHECK(wants.wants[1].reference == "127.0.0.1:5000/assets:7");
  CHECK(wants.wants[1].key == "Mount");
  CHECK(wants.wants[1].named_at == file + ":4");
  CHECK(wants.wants[2].options.tls_verify == false);
  CHECK(wants.wants[2].wanted_by == "web.container in testos/aaaa.0");

  auto plan = core::plan_pulls(wants.wants, {});
  REQUIRE(plan.has_value());
  REQUIRE(plan->to_pull.size() == 3);
  std::vector<core::PullOutcome> outcomes;
  int n = 0;
  for (const auto& planned : plan->to_pull) {
    core::PullOutcome o;
    o.planned = planned;
    o.pulled = true;
    const std::string digest = "sha256:" + std::string(64, static_cast<char>('1' + n++));
    o.image = stored(std::string(64, 'c'), {planned.ref.as_written}, digest);
    o.digest = digest;
    outcomes.push_back(o);
  }
  auto record = core::record_of_root(kRoot, wants, outcomes, "t");
  REQUIRE(record.has_value());
  REQUIRE(record->images.size() == 3);
  for (const auto& image : record->images) CHECK(image.unit == "web.container");
  CHECK(record->images[1].reference == "127.0.0.1:5000/assets:7");
  CHECK(record->images[1].key == "Mount");
  CHECK(record->images[1].named_at == file + ":4");
  CHECK(record->images[0].digest != record->images[1].digest);
}

TEST_CASE("the record of a root carries each unit's digest and image ID") {
  quadlet_scan::ScanResult scan;
  scan.units.push_back(unit("a.image", "127.0.0.1:5000/a:1"));
  scan.units.push_back(unit("b.container", "127.0.0.1:5000/b:1"));
  auto wants = core::wants_of_root(scan, kRoot);

  auto plan = core::plan_pulls(wants.wants, {});
  REQUIRE(plan.has_value());
  REQUIRE(plan->to_pull.size() == 2);
  std::vector<core::PullOutcome> outcomes;
  for (const auto& planned : plan->to_pull) {
    core::PullOutcome o;
    o.planned = planned;
    o.pulled = true;
    if (planned.ref.repository.ends_with("/a")) {
      o.image = stored(kIdA, {"127.0.0.1:5000/a:1"}, "sha256:" + std::string(64, '1'));
      o.digest = "sha256:" + std::string(64, '1');
    } else {
      o.error = "manifest unknown";
    }
    outcomes.push_back(o);
  }

  SUBCASE("a failed pull names image, unit, root and reason") {
    auto record = core::record_of_root(kRoot, wants, outcomes, "2024-01-01T00:00:00Z");
    REQUIRE_FALSE(record.has_value());
    CHECK(record.error() ==
          "cannot bind testos/aaaa.0: 127.0.0.1:5000/b:1 for b.container in testos/aaaa.0: "
          "manifest unknown");
  }
  SUBCASE("all pulled: one bound image per unit") {
    outcomes[1].error.reset();
    outcomes[1].image = stored(kIdB, {"127.0.0.1:5000/b:1"}, "sha256:" + std::string(64, '2'));
    outcomes[1].digest = "sha256:" + std::string(64, '2');
    auto record = core::record_of_root(kRoot, wants, outcomes, "2024-01-01T00:00:00Z");
    REQUIRE(record.has_value());
    CHECK(record->root_id == kRoot);
    REQUIRE(record->images.size() == 2);
    CHECK(record->images[0] == ledger::BoundImage{"a.image", "127.0.0.1:5000/a:1",
                                                  "sha256:" + std::string(64, '1'), kIdA,
                                                  "2024-01-01T00:00:00Z"});
    CHECK(record->images[1].unit == "b.container");
    CHECK(record->images[1].image_id == kIdB);
  }
}

TEST_CASE("retired and unrecorded roots") {
  ledger::Ledger l;
  l.set_root(ledger::RootRecord{"os/old.0", "t", {}});
  l.set_root(ledger::RootRecord{"os/cur.0", "t", {}});
  auto plan = core::plan_root_retirement(l, {"os/cur.0", "os/new.0"});
  CHECK(plan.retired == std::vector<std::string>{"os/old.0"});
  CHECK(plan.unrecorded == std::vector<std::string>{"os/new.0"});
}

TEST_CASE("a rescanned root without a record holds the images its references name") {
  const auto recorded = stored(kIdA, {}, "");
  const auto only_new = stored(kIdB, {"127.0.0.1:5000/b:1"}, "sha256:" + std::string(64, '2'));
  const auto stray = stored(std::string(64, 'd'), {"127.0.0.1:5000/x:1"}, "");
  const std::vector<core::StoredImage> listing{recorded, only_new, stray};

  std::vector<core::Hold> holds{
      {core::HoldKind::Unit, "127.0.0.1:5000/a:1", "", kIdA, "os/cur.0", "a.image"}};
  auto rescanned = core::holds_of_references(
      "os/new.0", {"127.0.0.1:5000/b:1", "127.0.0.1:5000/gone:1", "-bad"}, listing);
  REQUIRE(rescanned.size() == 1);
  CHECK(rescanned[0].image_id == kIdB);
  CHECK(rescanned[0].kind == core::HoldKind::UnrecordedRoot);
  CHECK(rescanned[0].holder() == "unrecorded root os/new.0");
  holds.insert(holds.end(), rescanned.begin(), rescanned.end());

  auto gc = core::plan_gc(listing, holds);
  REQUIRE(gc.remove.size() == 1);
  CHECK(gc.remove[0].id == stray.id);
  CHECK(gc.keep.size() == 2);
}

TEST_CASE("boot re-points only the floating tags that moved") {
  ledger::RootRecord record{
      kRoot,
      "t",
      {{"a.image", "127.0.0.1:5000/a:latest", "", kIdA, "t"},
       {"a2.container", "127.0.0.1:5000/a:latest", "", kIdA, "t"},
       {"b.image", "127.0.0.1:5000/b:1", "", kIdB, "t"},
       {"d.image", "127.0.0.1:5000/d@sha256:" + std::string(64, '3'), "", "e", "t"},
       {"gone.image", "127.0.0.1:5000/gone:1", "", std::string(64, 'f'), "t"}}};
  // a:latest was moved to a newer image by a later root's bind.
  const std::vector<core::StoredImage> listing{
      stored(kIdA, {}, ""), stored(std::string(64, 'n'), {"127.0.0.1:5000/a:latest"}, ""),
      stored(kIdB, {"127.0.0.1:5000/b:1"}, "")};
  auto plan = core::plan_boot(record, listing);
  REQUIRE(plan.retags.size() == 1);
  CHECK(plan.retags[0].image_id == kIdA);
  CHECK(plan.retags[0].name == "127.0.0.1:5000/a:latest");
  CHECK(plan.already_right == 1);
  REQUIRE(plan.missing.size() == 1);
  CHECK(plan.missing[0].find("127.0.0.1:5000/gone:1 for gone.image") == 0);
}

TEST_CASE("Policy=always/newer tags are asked for again; others and digests are not") {
  quadlet_scan::PullOptions newer;
  newer.policy = quadlet_scan::PullPolicy::Newer;
  const std::vector<core::PullWant> wants{
      core::unit_want({"f.image", "r"}, "127.0.0.1:5000/f:latest", newer),
      core::unit_want({"s.image", "r"}, "127.0.0.1:5000/s:1", {}),
      core::unit_want({"d.image", "r"}, "127.0.0.1:5000/d@sha256:" + std::string(64, '3'), newer)};
  auto d = stored(kIdB, {}, "sha256:" + std::string(64, '3'));
  d.repo_digests = {"127.0.0.1:5000/d@sha256:" + std::string(64, '3')};
  const std::vector<core::StoredImage> listing{
      stored(kIdA, {"127.0.0.1:5000/f:latest"}, ""),
      stored(std::string(64, 'c'), {"127.0.0.1:5000/s:1"}, ""), d};
  auto plan = core::plan_pulls(wants, listing);
  REQUIRE(plan.has_value());
  REQUIRE(plan->present.size() == 3);
  core::refresh_floating(*plan);
  REQUIRE(plan->to_pull.size() == 1);
  CHECK(plan->to_pull[0].ref.as_written == "127.0.0.1:5000/f:latest");
  CHECK_FALSE(plan->to_pull[0].present.has_value());
  CHECK(plan->present.size() == 2);
}
