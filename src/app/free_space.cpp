#include "src/app/free_space.hpp"

#include <sys/statvfs.h>

#include <fmt/format.h>

#include <cerrno>

#include "base/size.hpp"

namespace rootpin::app {

std::optional<FreeSpace> free_space_of(const std::string& store) {
  std::string path = store.empty() ? "." : store;
  for (;;) {
    struct statvfs fs {};
    if (::statvfs(path.c_str(), &fs) == 0) {
      return FreeSpace{path, static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize};
    }
    if (errno != ENOENT && errno != ENOTDIR) {
      return std::nullopt;
    }
    auto slash = path.find_last_of('/');
    if (path == "/" || path == ".") {
      return std::nullopt;
    }
    if (slash == std::string::npos) {
      path = ".";
    } else if (slash == 0) {
      path = "/";
    } else {
      path.resize(slash);
    }
  }
}

std::optional<std::string> free_space_problem(const std::string& store, std::uint64_t min_free) {
  if (min_free == 0) {
    return std::nullopt;
  }
  auto space = free_space_of(store);
  if (!space || space->available >= min_free) {
    return std::nullopt;
  }
  return fmt::format(
      "not enough free space for the store {}: the file system of {} has {} free, "
      "below min-free {}",
      store, space->checked, util::human_size(space->available), util::human_size(min_free));
}

}  // namespace rootpin::app
