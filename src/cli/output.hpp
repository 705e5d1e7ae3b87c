#pragma once
// Results on stdout: a JSON object per line with --json, plain text otherwise.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "base/size.hpp"

namespace rootpin::cli {

void print_json(const nlohmann::json& j);
void print_line(const std::string& text);
using util::human_size;
// The first 12 hex of an image ID, as podman shows it.
std::string short_id(const std::string& id);

}  // namespace rootpin::cli
