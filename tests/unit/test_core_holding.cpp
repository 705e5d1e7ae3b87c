#include <doctest/doctest.h>

#include "src/core/holding.hpp"
#include "src/podman/system_image_store.hpp"

using namespace rootpin;
using core::PinMode;

namespace {

const std::string kIdA(64, 'a');
const std::string kIdB(64, 'b');
const std::string kIdC(64, 'c');

core::StoredImage image(const std::string& id, const std::string& name) {
  return {id, {name}, {}, "sha256:" + id.substr(0, 8), 100};
}

core::Hold unit_hold(const std::string& unit, const std::string& root, const std::string& id) {
  return {core::HoldKind::Unit, "quay.io/acme/web:1", "sha256:" + id.substr(0, 8), id, root, unit};
}

core::Hold pin_hold(const std::string& ref, const std::string& id) {
  return {core::HoldKind::AdminPin, ref, "sha256:" + id.substr(0, 8), id};
}

core::StoredContainer as_container(const core::Placeholder& p) {
  return {"cid-" + p.name, p.name, p.image_id, p.labels};
}

}  // namespace

TEST_CASE("placeholder names are fixed, rootpin's and distinct per root, holder and image") {
  auto web = image(kIdA, "quay.io/acme/web:1");
  auto a = core::placeholder_for(unit_hold("web.container", "debian/abc.0", kIdA), web);
  auto again = core::placeholder_for(unit_hold("web.container", "debian/abc.0", kIdA), web);
  auto other_root = core::placeholder_for(unit_hold("web.container", "debian/def.0", kIdA), web);
  auto pin = core::placeholder_for(pin_hold("quay.io/acme/web:1", kIdA), web);
  CHECK(a == again);
  CHECK(a.name.starts_with("rootpin-hold-web.container-"));
  CHECK(pin.name.starts_with("rootpin-hold-pin-"));
  CHECK(a.name != other_root.name);
  CHECK(a.name != pin.name);
  CHECK(a.image_id == kIdA);
  CHECK(a.labels.at("io.rootpin.holder") == "web.container");
  CHECK(a.labels.at("io.rootpin.root") == "debian/abc.0");
  CHECK(a.labels.at("io.rootpin.digest") == "sha256:aaaaaaaa");
  CHECK(pin.labels.at("io.rootpin.holder") == "admin pin quay.io/acme/web:1");
  CHECK(pin.labels.at("io.rootpin.root").empty());
  // A unit name with characters a container name cannot hold still gives a valid name.
  auto odd = core::placeholder_for(unit_hold("a@b c.container", "r", kIdA), web);
  CHECK(odd.name.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
        std::string::npos);
}

TEST_CASE("pin mode store plans no placeholders, only images gone") {
  std::vector<core::StoredImage> listing = {image(kIdA, "a:1")};
  auto plan = core::plan_holding(
      PinMode::Store, {unit_hold("a.container", "r", kIdA), unit_hold("b.container", "r", kIdB)},
      listing, {});
  CHECK(plan.create.empty());
  CHECK(plan.release.empty());
  REQUIRE(plan.lost_image.size() == 1);
  CHECK(plan.lost_image[0].unit == "b.container");
}

TEST_CASE("pin mode system: create what is missing, keep what matches, release the rest") {
  std::vector<core::StoredImage> listing = {image(kIdA, "a:1"), image(kIdB, "b:1")};
  auto ha = unit_hold("a.container", "r", kIdA);
  auto hb = unit_hold("b.container", "r", kIdB);
  auto hgone = unit_hold("c.container", "r", kIdC);
  auto kept = as_container(core::placeholder_for(ha, listing[0]));
  // A placeholder of a retired root, one with the right name but another image (re-bound at a
  // new digest), and a container of the host's that is no placeholder.
  auto retired =
      as_container(core::placeholder_for(unit_hold("a.container", "old", kIdA), listing[0]));
  auto moved = as_container(core::placeholder_for(hb, listing[0]));
  core::StoredContainer host{"h1", "web", kIdB, {}};
  auto plan = core::plan_holding(PinMode::System, {ha, hb, hgone, ha}, listing,
                                 {kept, retired, moved, host});
  REQUIRE(plan.create.size() == 1);
  CHECK(plan.create[0] == core::placeholder_for(hb, listing[1]));
  REQUIRE(plan.lost_placeholder.size() == 1);
  CHECK(plan.lost_placeholder[0].unit == "b.container");
  REQUIRE(plan.lost_image.size() == 1);
  CHECK(plan.lost_image[0].unit == "c.container");
  REQUIRE(plan.release.size() == 2);
  CHECK(plan.release[0].name == retired.name);
  CHECK(plan.release[1].name == moved.name);
}

TEST_CASE("gc in pin mode system takes only rootpin's own pulls that no container uses") {
  core::GcPlan gc;
  gc.remove = {image(kIdA, "ours-unused:1"), image(kIdB, "ours-used:1"), image(kIdC, "hosts:1")};
  std::set<std::string> pulled = {kIdA, kIdB};
  core::StoredContainer placeholder{"p1", "rootpin-hold-x-1", kIdA, {{"io.rootpin.holder", "x"}}};
  core::StoredContainer host{"h1", "web", kIdB, {}};
  auto out =
      core::removable_images(PinMode::System, gc, pulled, {placeholder, host}, {placeholder});
  REQUIRE(out.size() == 1);
  CHECK(out[0].id == kIdA);
  // The placeholder not released: the image stays.
  CHECK(core::removable_images(PinMode::System, gc, pulled, {placeholder, host}, {}).empty());
  // Pin mode store: the store is rootpin's, every unheld image goes.
  CHECK(core::removable_images(PinMode::Store, gc, {}, {}, {}).size() == 3);
}

TEST_CASE("a tag removed from a held image is put back on it, once per name") {
  // quay.io/acme/web:1 was also quay.io/acme/web:latest; `podman rmi quay.io/acme/web:1`
  // took the one tag only.
  std::vector<core::StoredImage> listing = {image(kIdA, "quay.io/acme/web:latest")};
  const auto booted = unit_hold("web.container", "r1", kIdA);
  const auto other = unit_hold("web.container", "r2", kIdA);
  auto lost = core::plan_lost_tags({booted, other}, listing);
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].hold.root == "r1");
  CHECK(lost[0].retag.image_id == kIdA);
  CHECK(lost[0].retag.name == "quay.io/acme/web:1");
  // Still tagged (on this image or another), gone as a whole, by digest or a short name:
  // nothing to put back.
  CHECK(core::plan_lost_tags({booted}, {image(kIdA, "quay.io/acme/web:1")}).empty());
  CHECK(core::plan_lost_tags({booted}, {image(kIdA, "x:1"), image(kIdB, "quay.io/acme/web:1")})
            .empty());
  CHECK(core::plan_lost_tags({booted}, {image(kIdB, "x:1")}).empty());
  CHECK(core::plan_lost_tags({pin_hold("quay.io/acme/web@sha256:" + std::string(64, '1'), kIdA)},
                             listing)
            .empty());
  CHECK(core::plan_lost_tags({pin_hold("web:1", kIdA)}, listing).empty());
  // An admin pin's tag comes back too.
  CHECK(core::plan_lost_tags({pin_hold("quay.io/acme/tool:2", kIdA)}, listing).size() == 1);
}

TEST_CASE("pin modes parse") {
  CHECK(core::parse_pin_mode("store") == PinMode::Store);
  CHECK(core::parse_pin_mode("system") == PinMode::System);
  CHECK_FALSE(core::parse_pin_mode("System"));
  CHECK(core::pin_mode_name(PinMode::System) == "system");
}

TEST_CASE("placeholder podman arguments never run anything and never pull") {
  core::Placeholder p{"rootpin-hold-web.container-0123456789abcdef",
                      kIdA,
                      {{"io.rootpin.holder", "web.container"}, {"io.rootpin.root", "r"}}};
  auto args = podman::SystemImageStore::create_arguments(p);
  std::vector<std::string> expected = {"create",
                                       "--pull=never",
                                       "--network=none",
                                       "--entrypoint",
                                       "/nonexistent/rootpin-placeholder-never-runs",
                                       "--name",
                                       p.name,
                                       "--label",
                                       "io.rootpin.holder=web.container",
                                       "--label",
                                       "io.rootpin.root=r",
                                       "--",
                                       kIdA};
  CHECK(args == expected);
}

TEST_CASE("podman ps listings parse") {
  auto cs = podman::parse_container_listing(R"([
    {"Id": "c1", "Names": ["rootpin-hold-a-1"], "ImageID": "sha256:)" +
                                            kIdA + R"(",
     "Labels": {"io.rootpin.holder": "a.container", "io.rootpin.root": "r"}},
    {"Id": "c2", "Names": ["web"], "ImageID": ")" +
                                            kIdB + R"(", "Labels": null}])");
  REQUIRE(cs.size() == 2);
  CHECK(cs[0].image_id == kIdA);
  CHECK(core::is_placeholder(cs[0]));
  CHECK_FALSE(core::is_placeholder(cs[1]));
  CHECK(podman::parse_container_listing("").empty());
  CHECK_THROWS(podman::parse_container_listing("{"));
}
