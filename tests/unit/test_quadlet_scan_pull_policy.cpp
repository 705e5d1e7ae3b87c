#include <doctest/doctest.h>

#include "quadlet-scan/pull_policy.hpp"

using namespace quadlet_scan;

TEST_CASE("Policy= values read as podman spells them, and back") {
  for (auto policy :
       {PullPolicy::Always, PullPolicy::Missing, PullPolicy::Never, PullPolicy::Newer}) {
    CHECK(parse_pull_policy(pull_policy_name(policy)) == policy);
  }
  CHECK(parse_pull_policy("always") == PullPolicy::Always);
  CHECK(parse_pull_policy("newer") == PullPolicy::Newer);
  CHECK(pull_policy_name(PullPolicy::Never) == "never");
  CHECK_FALSE(parse_pull_policy("Always"));
  CHECK_FALSE(parse_pull_policy(""));
  CHECK_FALSE(parse_pull_policy("missing "));
}

TEST_CASE("always and newer ask the registry again for an image podman has") {
  CHECK(pulls_present_image(PullPolicy::Always));
  CHECK(pulls_present_image(PullPolicy::Newer));
  CHECK_FALSE(pulls_present_image(PullPolicy::Missing));
  CHECK_FALSE(pulls_present_image(PullPolicy::Never));
}
