// `rootpin check`, pure: missing and moved images of the checked roots and the pins.

#include <doctest/doctest.h>

#include "src/core/check_plan.hpp"

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
  auto report = core::plan_check(two_roots_one_tag(), {kBooted, kOther}, kBooted, listing);
  CHECK(report.passed());
  CHECK(report.ok.size() == 2);
  CHECK(report.roots == std::vector<std::string>{kBooted, kOther});
}

TEST_CASE("check: an image removed behind rootpin's back is missing, named with its holder") {
  auto listing = std::vector{stored(kIdA, {"quay.io/acme/web:1"}, kDigestA)};
  auto report = core::plan_check(two_roots_one_tag(), {kBooted, kOther}, kBooted, listing);
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
  auto report = core::plan_check(two_roots_one_tag(), {kBooted, kOther}, kBooted, listing);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].kind == core::CheckProblem::Kind::Moved);
  CHECK(report.problems[0].image.holder == kBooted);
  CHECK(report.problems[0].message.find("quay.io/acme/web:1 names image " + kIdB) !=
        std::string::npos);
  // Without a booted root (a sysroot that is not booted), presence is all that counts.
  CHECK(core::plan_check(two_roots_one_tag(), {kBooted, kOther}, std::nullopt, listing).passed());
}

TEST_CASE("check: --booted leaves other roots out; pins are always checked; by ID first") {
  auto l = two_roots_one_tag();
  l.add_or_update_pin({"quay.io/acme/tool:2", "sha256:" + std::string(64, '3'), kIdC, "why", "t"});
  auto listing = std::vector{stored(kIdA, {"quay.io/acme/web:1"}, kDigestA)};
  auto report = core::plan_check(l, {kBooted}, kBooted, listing);
  CHECK(report.roots == std::vector<std::string>{kBooted});
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].image.holder == "pin");
  CHECK(report.problems[0].message.starts_with("quay.io/acme/tool:2 for an admin pin is missing"));
  // A root without a record is not checked (it holds nothing recorded).
  CHECK(core::plan_check(l, {"testos/cccc.0"}, std::nullopt, {}).roots.empty());
}
