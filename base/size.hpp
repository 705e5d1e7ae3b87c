#pragma once
// Sizes as an admin writes them (min-free=2G) and as messages print them.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace rootpin::util {

// "0", "1048576", "512K", "800M", "2G", "1T" (binary: K = 1024, as systemd reads sizes);
// an optional "B" or "iB" after the unit is accepted ("2GiB"). The error names the text.
std::expected<std::uint64_t, std::string> parse_size(std::string_view text);

// The size as parse_size reads it back, in the largest binary unit that divides it: "1G",
// "512M", "1536K", "100" (bytes), "0".
std::string size_text(std::uint64_t bytes);

// "11.3 kB", "1.2 GB" (SI units, as podman prints sizes).
std::string human_size(std::uint64_t bytes);

}  // namespace rootpin::util
