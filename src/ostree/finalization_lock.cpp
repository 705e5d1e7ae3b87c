#include "src/ostree/finalization_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "quadlet-scan/fd.hpp"
#include "src/util/error.hpp"

namespace rootpin::ostree {

FinalizationLock FinalizationLock::create(std::string path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) {
    throw util::Error::format("cannot create the directory of {}: {}", path, ec.message());
  }
  quadlet_scan::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) {
    throw util::Error::format("cannot create the finalization lock {}: {}", path,
                              std::strerror(errno));
  }
  return FinalizationLock(std::move(path));
}

FinalizationLock::FinalizationLock(FinalizationLock&& other) noexcept
    : path_(std::exchange(other.path_, {})) {}

FinalizationLock& FinalizationLock::operator=(FinalizationLock&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) {
      ::unlink(path_.c_str());
    }
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

FinalizationLock::~FinalizationLock() {
  if (!path_.empty()) {
    ::unlink(path_.c_str());
  }
}

void FinalizationLock::remove() {
  if (path_.empty()) {
    return;
  }
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    throw util::Error::format("cannot remove the finalization lock {}: {}", path_,
                              std::strerror(errno));
  }
  path_.clear();
}

void FinalizationLock::keep() noexcept { path_.clear(); }

}  // namespace rootpin::ostree
