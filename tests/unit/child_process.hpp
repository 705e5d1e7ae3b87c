#pragma once
// Test support: run a function in a forked child and get back what it reports. The child
// cannot use doctest's CHECKs (they would be counted in the wrong process), so the function
// returns a string: "" for success, otherwise what went wrong; the parent CHECKs that.

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace test_support {

inline std::string run_in_child(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) {
    return "pipe failed";
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    return "fork failed";
  }
  if (pid == 0) {
    ::close(fds[0]);
    std::string result;
    try {
      result = body();
    } catch (const std::exception& e) {
      result = std::string("child threw: ") + e.what();
    }
    ssize_t ignored = ::write(fds[1], result.data(), result.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "child died (status " + std::to_string(status) + "): " + out;
  }
  return out;
}

}  // namespace test_support
