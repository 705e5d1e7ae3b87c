#pragma once
// One writer at a time: an exclusive flock(2) on a directory. The lock belongs to a fresh
// open file description of that directory, so it also excludes other DirLocks in the same
// process, and the kernel drops it when the holder dies (no stale lock files to clean).

#include "base/fd.hpp"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace rootpin::util {

class DirLock {
public:
  // Called once, when the lock is busy and we start waiting, with a message like
  // "waiting for another rootpin (pid 123) to release /var/lib/rootpin...".
  using WaitNotice = std::function<void(const std::string&)>;

  // Tries without blocking, then polls until `timeout`; throws util::Error on timeout
  // naming the path and the holder's pid when the kernel tells it. Without `on_wait` the
  // wait is silent (the base layer does not log; callers pass log::notice).
  static DirLock acquire(int dirfd, const std::string& display, std::chrono::milliseconds timeout,
                         const WaitNotice& on_wait = {});

  DirLock(DirLock&&) noexcept = default;
  DirLock& operator=(DirLock&&) noexcept = default;
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock() = default;  // closing the fd releases the lock

  // Whether this lock is held on the directory `dirfd` refers to (same device and inode).
  bool covers(int dirfd) const;
  const std::string& display() const { return display_; }

private:
  DirLock(util::Fd fd, std::string display) : fd_(std::move(fd)), display_(std::move(display)) {}

  util::Fd fd_;
  std::string display_;
};

// The pid holding a flock on the file `fd` refers to, read from /proc/locks; nullopt when
// unknown (no /proc, another pid namespace, released meanwhile).
std::optional<pid_t> flock_holder(int fd);

}  // namespace rootpin::util
