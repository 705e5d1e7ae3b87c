#include "src/cli/output.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace rootpin::cli {

void print_json(const nlohmann::json& j) { print_line(j.dump()); }

void print_line(const std::string& text) {
  std::fputs((text + "\n").c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace rootpin::cli
