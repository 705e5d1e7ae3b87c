#include "src/ostree/finalization_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/fd.hpp"

namespace rootpin::ostree {
namespace {

constexpr std::string_view kMarker =
    "rootpin: the staged root's images are not pinned yet; rootpin removes this file when "
    "they are\n";

// Whether the file at path starts with rootpin's marker (ostree and admins write it empty).
bool written_by_rootpin(const std::string& path) {
  util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) {
    throw util::Error::format("cannot read the finalization lock {}: {}", path,
                              std::strerror(errno));
  }
  std::array<char, 64> head{};
  const ssize_t n = ::read(fd.get(), head.data(), head.size());
  const std::string_view prefix = kMarker.substr(0, head.size());
  return n == static_cast<ssize_t>(prefix.size()) &&
         std::string_view(head.data(), prefix.size()) == prefix;
}

}  // namespace

FinalizationLock FinalizationLock::create(std::string path) {
  const std::filesystem::path target(path);
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) {
    throw util::Error::format("cannot create the directory of {}: {}", path, ec.message());
  }
  // The marker goes into a temp file first; link() then makes the lock appear whole, and
  // fails with EEXIST when a lock is there already (never replacing it).
  const std::string temp =
      (target.parent_path() / fmt::format(".{}.rootpin-{}", target.filename().string(), ::getpid()))
          .string();
  ::unlink(temp.c_str());
  {
    util::Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) {
      throw util::Error::format("cannot create the finalization lock {}: {}", path,
                                std::strerror(errno));
    }
    if (::write(fd.get(), kMarker.data(), kMarker.size()) != static_cast<ssize_t>(kMarker.size())) {
      const int saved = errno;
      ::unlink(temp.c_str());
      throw util::Error::format("cannot write the finalization lock {}: {}", path,
                                std::strerror(saved));
    }
  }
  const int linked = ::link(temp.c_str(), path.c_str());
  const int saved = errno;
  ::unlink(temp.c_str());
  if (linked != 0) {
    if (saved == EEXIST) {
      return FinalizationLock(path, written_by_rootpin(path) ? Owner::Rootpin : Owner::Other);
    }
    throw util::Error::format("cannot create the finalization lock {}: {}", path,
                              std::strerror(saved));
  }
  return FinalizationLock(std::move(path), Owner::Rootpin);
}

std::optional<FinalizationLock::Owner> FinalizationLock::holder(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return written_by_rootpin(path) ? Owner::Rootpin : Owner::Other;
}

FinalizationLock::FinalizationLock(FinalizationLock&& other) noexcept
    : path_(std::move(other.path_)),
      armed_(std::exchange(other.armed_, false)),
      owner_(other.owner_) {}

FinalizationLock& FinalizationLock::operator=(FinalizationLock&& other) noexcept {
  if (this != &other) {
    path_ = std::move(other.path_);
    armed_ = std::exchange(other.armed_, false);
    owner_ = other.owner_;
  }
  return *this;
}

FinalizationLock::Released FinalizationLock::remove() {
  if (!armed_ || owner_ == Owner::Other) {
    armed_ = false;
    return Released::LeftInPlace;
  }
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    throw util::Error::format("cannot remove the finalization lock {}: {}", path_,
                              std::strerror(errno));
  }
  armed_ = false;
  return Released::Removed;
}

void FinalizationLock::keep() noexcept { armed_ = false; }

}  // namespace rootpin::ostree
