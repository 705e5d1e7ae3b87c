#include "src/log/stderr_backend.hpp"

#include <unistd.h>
#include <cerrno>

namespace rootpin::log {

namespace {

std::string_view prefix_of(Priority priority) {
  switch (priority) {
    case Priority::Error: return "error: ";
    case Priority::Warning: return "warning: ";
    case Priority::Debug: return "debug: ";
    case Priority::Notice:
    case Priority::Info: return "";
  }
  return "";
}

}  // namespace

std::string format_stderr_line(Priority priority, std::string_view message) {
  std::string line = "rootpin: ";
  line += prefix_of(priority);
  line += message;
  if (line.back() != '\n') {
    line += '\n';
  }
  return line;
}

void write_stderr(Priority priority, std::string_view message) {
  const std::string line = format_stderr_line(priority, message);
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;  // stderr is gone: there is nowhere left to report that
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace rootpin::log
