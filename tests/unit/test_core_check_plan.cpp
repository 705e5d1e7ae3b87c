// `rootpin check`, pure: missing and moved images of the checked roots and the pins.

#include <doctest/doctest.h>

#include "src/core/check_plan.hpp"
#include "src/core/holding.hpp"

using namespace rootpin;

namespace {

const std::string kBooted = "testos/aaaa.0";
const std::string kOther = "testos/bbbb.0";
const std::string kIdA(64, 'a');
const std::string kIdB(64, 'b');
const std::string kIdC(64, 'c');
const std::string kDigestA = "sha256:" + std::string(64, '1');
const std::string kDigestB = "sha256:" + std::string(64, '2');

// As podman lists an image pulled from quay.io/acme/web.
core::StoredImage stored(const std::string& id, std::vector<std::string> names,
                         const std::string& digest) {
  return {id, std::move(names), {"quay.io/acme/web@" + digest}, digest, 0};
}

// Pin mode store: no containers to read.
core::CheckedStore in_store(std::vector<core::StoredImage> listing) {
  return {core::PinMode::Store, std::move(listing), {}};
}

ledger::Ledger two_roots_one_tag() {
  ledger::Ledger l;
  l.set_root({kBooted, "t", {{"web.container", "quay.io/acme/web:1", kDigestA, kIdA, "t"}}});
  l.set_root({kOther, "t", {{"web.container", "quay.io/acme/web:1", kDigestB, kIdB, "t"}}});
  return l;
}

}  // namespace

TEST_CASE("check: every held image present, the booted root's tag on its image: passed") {
  auto listing =
      std::vector{stored(kIdA, {"quay.io/acme/web:1"}, kDigestA), stored(kIdB, {}, kDigestB)};
  auto report =
      core::plan_check(two_roots_one_tag(), {kBooted, kOther}, kBooted, in_store(listing));
  CHECK(report.passed());
  CHECK(report.ok.size() == 2);
  CHECK(report.roots == std::vector<std::string>{kBooted, kOther});
}

TEST_CASE("check: an image removed behind rootpin's back is missing, named with its holder") {
  auto listing = std::vector{stored(kIdA, {"quay.io/acme/web:1"}, kDigestA)};
  auto report =
      core::plan_check(two_roots_one_tag(), {kBooted, kOther}, kBooted, in_store(listing));
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].kind == core::CheckProblem::Kind::Missing);
  CHECK(report.problems[0].message ==
        "quay.io/acme/web:1 for web.container in testos/bbbb.0 is missing: " + kDigestB +
            " is not in the store");
}

TEST_CASE("check: only the booted root's tags must name its images") {
  // The tag names the other root's image: the booted root's containers would run it.
  auto listing =
      std::vector{stored(kIdA, {}, kDigestA), stored(kIdB, {"quay.io/acme/web:1"}, kDigestB)};
  auto report =
      core::plan_check(two_roots_one_tag(), {kBooted, kOther}, kBooted, in_store(listing));
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].kind == core::CheckProblem::Kind::Moved);
  CHECK(report.problems[0].hold.root == kBooted);
  CHECK(report.problems[0].message.find("quay.io/acme/web:1 names image " + kIdB) !=
        std::string::npos);
  // Without a booted root (a sysroot that is not booted), presence is all that counts.
  CHECK(core::plan_check(two_roots_one_tag(), {kBooted, kOther}, std::nullopt, in_store(listing))
            .passed());
}

TEST_CASE("check: --booted leaves other roots out; pins are always checked; by ID first") {
  auto l = two_roots_one_tag();
  l.add_or_update_pin({"quay.io/acme/tool:2", "sha256:" + std::string(64, '3'), kIdC, "why", "t"});
  auto listing = std::vector{stored(kIdA, {"quay.io/acme/web:1"}, kDigestA)};
  auto report = core::plan_check(l, {kBooted}, kBooted, in_store(listing));
  CHECK(report.roots == std::vector<std::string>{kBooted});
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].hold.kind == core::HoldKind::AdminPin);
  CHECK(report.problems[0].message.starts_with("quay.io/acme/tool:2 for an admin pin is missing"));
  // A root without a record is not checked (it holds nothing recorded).
  CHECK(core::plan_check(l, {"testos/cccc.0"}, std::nullopt, in_store({})).roots.empty());
}

namespace {

// The placeholder bind creates for `hold`, as podman lists it.
core::StoredContainer listed(const core::Hold& hold, const core::StoredImage& image) {
  auto p = core::placeholder_for(hold, image);
  return {"c-" + p.name, p.name, p.image_id, p.labels};
}

}  // namespace

TEST_CASE("check, pin mode system: a holder whose placeholder is gone is named, once each") {
  auto l = two_roots_one_tag();
  l.add_or_update_pin({"quay.io/acme/web:1", kDigestA, kIdA, "why", "t"});
  auto a = stored(kIdA, {"quay.io/acme/web:1"}, kDigestA);
  auto b = stored(kIdB, {}, kDigestB);
  const core::Hold booted{core::HoldKind::Unit, "quay.io/acme/web:1", kDigestA, kIdA, kBooted,
                          "web.container"};
  const core::Hold other{core::HoldKind::Unit, "quay.io/acme/web:1", kDigestB, kIdB, kOther,
                         "web.container"};
  const core::Hold pin{core::HoldKind::AdminPin, "quay.io/acme/web:1", kDigestA, kIdA};
  core::CheckedStore store{core::PinMode::System, {a, b}, {listed(booted, a), listed(other, b)}};
  store.containers.push_back(listed(pin, a));
  CHECK(core::plan_check(l, {kBooted, kOther}, kBooted, store).passed());

  // container prune took the other root's and the pin's; a container of the host's is no
  // placeholder and holds nothing for rootpin.
  store.containers = {listed(booted, a), {"c-app", "app", kIdB, {}}};
  auto report = core::plan_check(l, {kBooted, kOther}, kBooted, store);
  REQUIRE(report.problems.size() == 2);
  CHECK(report.checked == 3);
  CHECK(report.ok.size() == 1);
  const auto& lost_root = report.problems[0];
  CHECK(lost_root.kind == core::CheckProblem::Kind::LostPlaceholder);
  CHECK(core::to_string(lost_root.kind) == "lost_placeholder");
  CHECK(lost_root.hold.root == kOther);
  CHECK(lost_root.placeholder == core::placeholder_for(other, b).name);
  CHECK(lost_root.message.starts_with("quay.io/acme/web:1 for web.container in " + kOther +
                                      " lost its placeholder rootpin-hold-web.container-"));
  const auto& lost_pin = report.problems[1];
  CHECK(lost_pin.hold.kind == core::HoldKind::AdminPin);
  CHECK(lost_pin.placeholder.starts_with("rootpin-hold-pin-"));
  CHECK(lost_pin.message.starts_with("quay.io/acme/web:1 for an admin pin lost its placeholder"));

  // A placeholder of another image does not hold this one; with the image gone too, the
  // image is what is missing (one problem, not two).
  store.listing = {a};
  store.containers = {listed(booted, a), listed(pin, a), listed(other, a)};
  report = core::plan_check(l, {kBooted, kOther}, kBooted, store);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].kind == core::CheckProblem::Kind::Missing);
  // Pin mode store never asks for placeholders.
  CHECK(core::plan_check(l, {kBooted, kOther}, kBooted, in_store({a, b})).passed());
}

TEST_CASE("check: a holder whose tag is on no image any more is untagged (not the booted)") {
  // `podman rmi quay.io/acme/web:1` of an image also tagged :latest removed only that tag.
  auto l = two_roots_one_tag();
  l.add_or_update_pin({"quay.io/acme/web:1", kDigestB, kIdB, "why", "t"});
  auto listing =
      std::vector{stored(kIdA, {"quay.io/acme/web:latest"}, kDigestA), stored(kIdB, {}, kDigestB)};
  auto report = core::plan_check(l, {kBooted, kOther}, kBooted, in_store(listing));
  REQUIRE(report.problems.size() == 3);
  CHECK(report.problems[0].kind == core::CheckProblem::Kind::Moved);  // the booted root's
  CHECK(report.problems[1].kind == core::CheckProblem::Kind::Untagged);
  CHECK(core::to_string(report.problems[1].kind) == "untagged");
  CHECK(report.problems[1].hold.root == kOther);
  CHECK(report.problems[1].message ==
        "quay.io/acme/web:1 for web.container in " + kOther +
            " is untagged: no image carries quay.io/acme/web:1 any more, its image " +
            kIdB.substr(0, 12) + " is still there (the next bind, pin or boot puts the tag back)");
  CHECK(report.problems[2].hold.kind == core::HoldKind::AdminPin);
  // Once any image carries the tag again, only the booted root's tag can be wrong.
  listing[1].names = {"quay.io/acme/web:1"};
  report = core::plan_check(l, {kBooted, kOther}, kBooted, in_store(listing));
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].kind == core::CheckProblem::Kind::Moved);
}
