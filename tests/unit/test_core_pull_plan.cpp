#include <doctest/doctest.h>

#include "src/core/pull_plan.hpp"

using namespace rootpin::core;
using rootpin::core::StoredImage;

TEST_CASE("plan_pulls dedupes identical wants and splits present from missing") {
  std::vector<StoredImage> listing = {{"id1", {"quay.io/a/x:1"}, {}, "sha256:1", 5}};
  quadlet_scan::PullOptions insecure;
  insecure.tls_verify = false;
  auto plan = plan_pulls({{"quay.io/a/x:1", {}, "web.container"},
                          {"quay.io/a/x:1", {}, "db.container"},
                          {"quay.io/a/y:1", {}, "web.container"},
                          {"quay.io/a/y:1", {}, "admin pin"},
                          {"quay.io/a/y:1", insecure, "other.image"}},
                         listing);
  REQUIRE(plan);
  REQUIRE(plan->present.size() == 1);
  CHECK(plan->present[0].wanted_by == std::vector<std::string>{"web.container", "db.container"});
  CHECK(plan->present[0].present->id == "id1");
  REQUIRE(plan->to_pull.size() == 2);  // same reference, different options: two pulls
  CHECK(plan->to_pull[0].wanted_by == std::vector<std::string>{"web.container", "admin pin"});
  CHECK(plan->to_pull[1].options.tls_verify == false);
  CHECK_FALSE(plan->noop());
}

TEST_CASE("spellings of one reference are one want") {
  auto plan = plan_pulls({{"alpine", {}, "a"}, {"docker.io/library/alpine:latest", {}, "b"}}, {});
  REQUIRE(plan);
  REQUIRE(plan->to_pull.size() == 1);
  CHECK(plan->to_pull[0].wanted_by.size() == 2);
}

TEST_CASE("a plan where everything is present is a no-op") {
  auto plan = plan_pulls({{"quay.io/a/x:1", {}, "x"}}, {{"id1", {"quay.io/a/x:1"}, {}, "", 1}});
  REQUIRE(plan);
  CHECK(plan->noop());
}

TEST_CASE("AllTags is always pulled") {
  quadlet_scan::PullOptions all;
  all.all_tags = true;
  auto plan = plan_pulls({{"quay.io/a/x:1", all, "x"}}, {{"id1", {"quay.io/a/x:1"}, {}, "", 1}});
  REQUIRE(plan);
  CHECK(plan->to_pull.size() == 1);
}

TEST_CASE("an invalid reference fails the plan naming it and its owner") {
  auto plan = plan_pulls({{"Quay.io/A B", {}, "web.container"}}, {});
  REQUIRE_FALSE(plan);
  CHECK(plan.error().find("'Quay.io/A B'") != std::string::npos);
  CHECK(plan.error().ends_with("(web.container)"));
}
