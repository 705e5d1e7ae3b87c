#include "src/cli/output.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace rootpin::cli {

// Invalid UTF-8 (a registry's or podman's message) is replaced, never a reason to throw.
void print_json(const nlohmann::json& j) {
  print_line(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void print_line(const std::string& text) {
  std::fputs((text + "\n").c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace rootpin::cli
