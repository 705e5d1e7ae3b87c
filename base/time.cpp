#include "base/time.hpp"

#include <ctime>

#include <fmt/format.h>

namespace rootpin::util {

std::string to_rfc3339(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string now_rfc3339() { return to_rfc3339(std::chrono::system_clock::now()); }

}  // namespace rootpin::util
