#pragma once
// An .image unit's Policy= (podman 5.6): when podman pulls the unit's image. Read once where
// the unit is parsed; compared as this enum, written back by its name.

#include <optional>
#include <string_view>

namespace quadlet_scan {

enum class PullPolicy { Always, Missing, Never, Newer };

// "always", "missing", "never", "newer" (as podman spells them); nullopt for anything else.
std::optional<PullPolicy> parse_pull_policy(std::string_view text);

std::string_view pull_policy_name(PullPolicy policy);

// Whether podman asks the registry again for an image it already has (always, newer).
bool pulls_present_image(PullPolicy policy);

}  // namespace quadlet_scan
