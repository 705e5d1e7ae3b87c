#pragma once
// Results on stdout: a JSON object per line with --json, plain text otherwise.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "base/size.hpp"
#include "src/core/reference.hpp"

namespace rootpin::cli {

void print_json(const nlohmann::json& j);
void print_line(const std::string& text);
using core::short_id;
using util::human_size;

}  // namespace rootpin::cli
