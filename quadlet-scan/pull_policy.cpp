#include "quadlet-scan/pull_policy.hpp"

#include <array>
#include <utility>

namespace quadlet_scan {

namespace {

constexpr std::array<std::pair<PullPolicy, std::string_view>, 4> kNames = {{
    {PullPolicy::Always, "always"},
    {PullPolicy::Missing, "missing"},
    {PullPolicy::Never, "never"},
    {PullPolicy::Newer, "newer"},
}};

}  // namespace

std::optional<PullPolicy> parse_pull_policy(std::string_view text) {
  for (const auto& [policy, name] : kNames) {
    if (name == text) return policy;
  }
  return std::nullopt;
}

std::string_view pull_policy_name(PullPolicy policy) {
  for (const auto& [p, name] : kNames) {
    if (p == policy) return name;
  }
  return "missing";
}

bool pulls_present_image(PullPolicy policy) {
  return policy == PullPolicy::Always || policy == PullPolicy::Newer;
}

}  // namespace quadlet_scan
