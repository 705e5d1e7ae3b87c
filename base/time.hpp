#pragma once
// Timestamps as rootpin writes them: UTC, RFC 3339, second precision ("2024-05-01T12:34:56Z"),
// so that records sort as text and read the same on every host whatever its TZ.

#include <chrono>
#include <string>

namespace rootpin::util {

std::string to_rfc3339(std::chrono::system_clock::time_point t);
std::string now_rfc3339();

}  // namespace rootpin::util
