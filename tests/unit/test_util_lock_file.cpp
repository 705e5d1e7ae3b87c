#include "base/lock_file.hpp"

#include "base/error.hpp"
#include "tests/unit/temp_dir.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using rootpin::util::DirLock;
using rootpin::util::Error;
using namespace std::chrono_literals;

namespace {

rootpin::util::Fd open_dir(const std::string& path) {
  return rootpin::util::Fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

// A child process that takes the lock, says so on a pipe, and holds it until told to go
// (or until `hold` passes).
class LockHolder {
public:
  LockHolder(const std::string& dir, std::chrono::milliseconds hold) {
    int ready[2];
    int go[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(go) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(go[1]);
      auto fd = open_dir(dir);
      auto lock = DirLock::acquire(fd.get(), dir, 0ms);
      char c = 'L';
      if (::write(ready[1], &c, 1) != 1) {
        ::_exit(1);
      }
      // Wait for the parent's word, at most `hold`.
      pollfd p{go[0], POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(hold.count()));
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(go[0]);
    release_fd_ = go[1];
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
  }
  ~LockHolder() {
    release();
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  void release() {
    if (release_fd_ >= 0) {
      ::close(release_fd_);  // EOF wakes the child's poll
      release_fd_ = -1;
    }
  }
  pid_t pid() const { return pid_; }

private:
  pid_t pid_ = -1;
  int release_fd_ = -1;
};

}  // namespace

TEST_CASE("lock_file: an uncontended lock is taken at once, and again after release") {
  test_support::TempDir tmp;
  auto fd = open_dir(tmp.path());
  std::vector<std::string> notices;
  auto note = [&](const std::string& m) { notices.push_back(m); };
  {
    DirLock lock = DirLock::acquire(fd.get(), tmp.path(), 0ms, note);
    CHECK(lock.covers(fd.get()));
    CHECK(rootpin::util::flock_holder(fd.get()) == ::getpid());
  }
  DirLock again = DirLock::acquire(fd.get(), tmp.path(), 0ms, note);
  CHECK(notices.empty());

  test_support::TempDir other;
  auto other_fd = open_dir(other.path());
  CHECK_FALSE(again.covers(other_fd.get()));
}

TEST_CASE("lock_file: two locks in one process exclude each other") {
  test_support::TempDir tmp;
  auto fd = open_dir(tmp.path());
  DirLock first = DirLock::acquire(fd.get(), tmp.path(), 0ms);
  CHECK_THROWS_AS(DirLock::acquire(fd.get(), tmp.path(), 0ms, [](const std::string&) {}), Error);
  DirLock moved = std::move(first);  // still held after a move
  CHECK_THROWS_AS(DirLock::acquire(fd.get(), tmp.path(), 50ms, [](const std::string&) {}), Error);
}

TEST_CASE("lock_file: contention with another process times out naming its pid and the path") {
  test_support::TempDir tmp;
  LockHolder holder(tmp.path(), 10s);
  auto fd = open_dir(tmp.path());
  std::vector<std::string> notices;
  auto start = std::chrono::steady_clock::now();
  try {
    DirLock::acquire(fd.get(), tmp.path(), 300ms,
                     [&](const std::string& m) { notices.push_back(m); });
    FAIL("took a lock another process holds");
  } catch (const Error& e) {
    std::string m = e.what();
    CHECK_MESSAGE(m.find("timed out after 0.3s") != std::string::npos, m);
    CHECK_MESSAGE(m.find("pid " + std::to_string(holder.pid())) != std::string::npos, m);
    CHECK_MESSAGE(m.find(tmp.path().string()) != std::string::npos, m);
  }
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= 300ms);
  CHECK(waited < 3s);            // bounded
  REQUIRE(notices.size() == 1);  // said once, not once per poll
  CHECK(notices[0] == "waiting for another rootpin (pid " + std::to_string(holder.pid()) +
                          ") to release " + tmp.path().string() + "...");
}

TEST_CASE("lock_file: a waiter gets the lock when the other process lets go") {
  test_support::TempDir tmp;
  LockHolder holder(tmp.path(), 400ms);  // lets go by itself after 0.4 s
  auto fd = open_dir(tmp.path());
  int notices = 0;
  auto start = std::chrono::steady_clock::now();
  DirLock lock =
      DirLock::acquire(fd.get(), tmp.path(), 10s, [&](const std::string&) { ++notices; });
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(notices == 1);
  CHECK(waited >= 300ms);
  CHECK(waited < 5s);
  CHECK(rootpin::util::flock_holder(fd.get()) == ::getpid());
}

TEST_CASE("lock_file: the lock dies with its holder (no stale lock after SIGKILL)") {
  test_support::TempDir tmp;
  auto fd = open_dir(tmp.path());
  {
    LockHolder holder(tmp.path(), 10s);
    ::kill(holder.pid(), SIGKILL);
  }
  CHECK_NOTHROW(DirLock::acquire(fd.get(), tmp.path(), 1s));
}
