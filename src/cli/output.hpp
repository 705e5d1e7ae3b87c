#pragma once
// Results on stdout: a JSON object per line with --json, plain text otherwise.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace rootpin::cli {

void print_json(const nlohmann::json& j);
void print_line(const std::string& text);
// "11.3 kB", "1.2 GB" (SI units, as podman prints sizes).
std::string human_size(std::uint64_t bytes);
// The first 12 hex of an image ID, as podman shows it.
std::string short_id(const std::string& id);

}  // namespace rootpin::cli
