#pragma once
// The plain backend: one line per message on stderr, the way command-line tools talk.

#include "src/log/log.hpp"

#include <string>
#include <string_view>

namespace rootpin::log {

// "rootpin: error: <message>\n", "rootpin: warning: …", "rootpin: debug: …", and
// "rootpin: <message>\n" for notice and info. Pure, so the format is unit-tested.
std::string format_stderr_line(Priority priority, std::string_view message);

// Writes the formatted line with a single write(2) so concurrent pulls never interleave
// halves of lines, even with other processes sharing the same stderr.
void write_stderr(Priority priority, std::string_view message);

}  // namespace rootpin::log
