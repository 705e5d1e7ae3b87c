// Minimal stderr implementation; the journal backend replaces it.
#include "src/log/log.hpp"

#include <cstdio>

namespace rootpin::log {
namespace {
int g_verbosity = 0;
}

void configure(Backend, int verbosity) { g_verbosity = verbosity; }

void emit(Event, Priority priority, const std::string& message, const Fields&) {
  int limit = g_verbosity >= 2 ? 7 : g_verbosity == 1 ? 6 : 5;
  if (static_cast<int>(priority) <= limit) {
    std::fprintf(stderr, "%s\n", message.c_str());
  }
}

void status(const std::string&) {}

}  // namespace rootpin::log
