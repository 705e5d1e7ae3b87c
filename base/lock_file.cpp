#include "base/lock_file.hpp"

#include "base/errno_error.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace rootpin::util {
namespace {

std::string holder_text(int fd) {
  auto pid = flock_holder(fd);
  return pid ? fmt::format("another rootpin (pid {})", *pid) : std::string("another rootpin");
}

std::string seconds_text(std::chrono::milliseconds d) {
  return fmt::format("{:.1f}s", static_cast<double>(d.count()) / 1000.0);
}

}  // namespace

std::optional<pid_t> flock_holder(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return std::nullopt;
  }
  // Lines look like "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; waiters are
  // "1: -> FLOCK ..." and are skipped. The device is major:minor in hex.
  std::string want = fmt::format("{:02x}:{:02x}:{}", major(st.st_dev), minor(st.st_dev), st.st_ino);
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream in(line);
    std::string id, kind, advisory, mode, dev;
    long pid = 0;
    if (!(in >> id >> kind) || kind != "FLOCK") {
      continue;
    }
    if (!(in >> advisory >> mode >> pid >> dev)) {
      continue;
    }
    if (dev == want && pid > 0) {
      return static_cast<pid_t>(pid);
    }
  }
  return std::nullopt;
}

DirLock DirLock::acquire(int dirfd, const std::string& display, std::chrono::milliseconds timeout,
                         const WaitNotice& on_wait) {
  // A fresh open file description, so the lock is ours alone (see the header).
  util::Fd fd(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    throw errno_error("open", display);
  }
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::milliseconds(20);
  bool told = false;
  for (;;) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      return DirLock(std::move(fd), display);
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EWOULDBLOCK) {
      throw errno_error("lock", display);
    }
    auto now = Clock::now();
    if (now >= deadline) {
      throw Error::format("timed out after {} waiting for {} to release {}", seconds_text(timeout),
                          holder_text(fd.get()), display);
    }
    if (!told) {
      told = true;
      std::string message =
          fmt::format("waiting for {} to release {}...", holder_text(fd.get()), display);
      if (on_wait) on_wait(message);
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(250));
  }
}

bool DirLock::covers(int dirfd) const {
  struct stat mine {};
  struct stat theirs {};
  return fd_ && ::fstat(fd_.get(), &mine) == 0 && ::fstat(dirfd, &theirs) == 0 &&
         mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino;
}

}  // namespace rootpin::util
