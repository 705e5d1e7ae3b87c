#pragma once
// `rootpin status` rendered: text, or one JSON object.

#include <nlohmann/json.hpp>

#include "src/app/status.hpp"

namespace rootpin::cli {

nlohmann::json status_json(const app::StatusReport& report);
void print_status(const app::StatusReport& report);

}  // namespace rootpin::cli
