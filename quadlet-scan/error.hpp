#pragma once
// The error type of quadlet-scan: a message, and where it applies (file and line) when known.

#include <string>

namespace quadlet_scan {

struct Error {
  std::string message;
  std::string path;   // file inside the root ("" if none)
  unsigned line = 0;  // 1-based; 0 when the error is not about a line
  int errnum = 0;     // errno when it came from a system call, else 0

  // "path:line: message", "path: message" or "message".
  std::string to_string() const;
};

}  // namespace quadlet_scan
