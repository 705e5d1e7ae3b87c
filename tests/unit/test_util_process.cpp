#include <doctest/doctest.h>

#include <fcntl.h>

#include <chrono>
#include <set>
#include <sstream>

#include "base/error.hpp"
#include "base/process.hpp"

using rootpin::util::describe_argv;
using rootpin::util::ProcessRequest;

namespace {

// Designated initializers that skip members trip g++ 12's -Wmissing-field-initializers.
rootpin::util::ProcessResult run_process(std::vector<std::string> argv,
                                         std::vector<std::pair<std::string, std::string>> env = {},
                                         std::optional<std::chrono::milliseconds> timeout = {}) {
  ProcessRequest request;
  request.argv = std::move(argv);
  request.env = std::move(env);
  request.timeout = timeout;
  return rootpin::util::run_process(request);
}

}  // namespace

TEST_CASE("run_process captures stdout and stderr separately and the exit code") {
  auto r = run_process({"/bin/sh", "-c", "echo out; echo err >&2; exit 7"});
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK(r.exit_code == 7);
  CHECK_FALSE(r.ok());
  CHECK(r.describe_end() == "exit status 7");
}

TEST_CASE("run_process passes arguments verbatim, without a shell") {
  auto r = run_process({"printf", "%s|", "a b", "$HOME", ";rm", "`x`"});
  CHECK(r.ok());
  CHECK(r.out == "a b|$HOME|;rm|`x`|");
}

TEST_CASE("run_process reads large outputs on both streams without deadlock") {
  // 1 MiB on each stream: more than a pipe buffer, so both must be drained concurrently.
  auto r =
      run_process({"/bin/sh", "-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2"});
  CHECK(r.ok());
  CHECK(r.out.size() == 1048576);
  CHECK(r.err.size() == 1048576);
}

TEST_CASE("run_process adds and overrides environment variables") {
  auto r = run_process({"/bin/sh", "-c", "echo \"$ROOTPIN_T1/$HOME\""},
                       {{"ROOTPIN_T1", "one"}, {"HOME", "/nowhere"}});
  CHECK(r.out == "one//nowhere\n");
}

TEST_CASE("run_process gives the child no stdin and none of rootpin's descriptors") {
  // Descriptors this process would let a child inherit anyway (e.g. from the test runner).
  std::set<int> inheritable = {0, 1, 2};
  for (int fd = 3; fd < 1024; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) == 0) {
      inheritable.insert(fd);
    }
  }
  auto r = run_process({"/bin/sh", "-c", "cat; ls /proc/self/fd"});
  CHECK(r.ok());
  std::istringstream lines(r.out);
  int fd = 0;
  int extra = 0;
  while (lines >> fd) {
    extra += inheritable.count(fd) == 0 ? 1 : 0;
  }
  CHECK(extra == 1);  // only the descriptor ls opened to read /proc/self/fd
}

TEST_CASE("run_process kills the whole process group on timeout") {
  auto start = std::chrono::steady_clock::now();
  auto r = run_process({"/bin/sh", "-c", "sleep 30 & sleep 30; echo never"}, {},
                       std::chrono::milliseconds(300));
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.timed_out);
  CHECK(r.signal == 9);
  CHECK(r.out.empty());
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("run_process bounds a child that closed its output but keeps running") {
  // Nothing left to read: only the wait can notice that the deadline passed.
  auto r = run_process({"/bin/sh", "-c", "exec >/dev/null 2>&1; sleep 5; exit 3"}, {},
                       std::chrono::milliseconds(300));
  CHECK(r.timed_out);
  CHECK(r.signal == 9);
  CHECK(r.exit_code == -1);
}

TEST_CASE("run_process reports a signal") {
  auto r = run_process({"/bin/sh", "-c", "kill -TERM $$"});
  CHECK(r.signal == 15);
  CHECK(r.exit_code == -1);
}

TEST_CASE("a missing program is an error naming it") {
  try {
    run_process({"rootpin-no-such-program-xyz"});
    FAIL("no error");
  } catch (const rootpin::util::Error& e) {
    CHECK(std::string(e.what()) == "rootpin-no-such-program-xyz: program not found on PATH");
  }
  CHECK_THROWS_WITH(run_process({"/no/such/podman"}), "/no/such/podman: program not found");
}

TEST_CASE("describe_argv quotes words and hides secrets") {
  CHECK(describe_argv({"podman", "pull", "a b", "--creds", "u:p", "--creds=u:p", "x"},
                      {"--creds"}) == "podman pull 'a b' --creds *** --creds=*** x");
  CHECK(describe_argv({"it's"}) == "'it'\\''s'");
}
