// SIGINT/SIGTERM while a child runs (base/interrupt.hpp, base/process.cpp): real child
// processes (sh scripts that trap the signal and write down what they got), real signals
// sent to this process, the real watcher thread.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/error.hpp"
#include "base/interrupt.hpp"
#include "base/process.hpp"
#include "tests/unit/temp_dir.hpp"

namespace {

// A spy on kill(2), for this binary only: it still sends the signal (through the system
// call), and when `watching_groups` is set it counts the groups signalled after their
// leader was reaped -- a group ID that may belong to someone else by then.
std::atomic<bool> watching_groups{false};
std::atomic<int> group_kills{0};
std::atomic<int> kills_after_reap{0};

bool leader_unreaped(pid_t leader) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(leader), &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

}  // namespace

extern "C" int kill(pid_t pid, int signal) noexcept {
  if (pid < -1 && watching_groups) {
    group_kills.fetch_add(1);
    if (!leader_unreaped(-pid)) {
      kills_after_reap.fetch_add(1);
    }
  }
  return static_cast<int>(::syscall(SYS_kill, pid, signal));
}

namespace {

using namespace std::chrono_literals;
using rootpin::util::ProcessRequest;
using rootpin::util::ProcessResult;
using rootpin::util::SignalWatch;
using test_support::TempDir;
using Clock = std::chrono::steady_clock;

// The signals as a test runner may have inherited them ignored (nohup, a shell's `&`):
// default again, so that the watch handles them.
void default_dispositions() {
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    ::signal(signal, SIG_DFL);
  }
}

struct GroupSpy {
  GroupSpy() {
    group_kills = 0;
    kills_after_reap = 0;
    watching_groups = true;
  }
  ~GroupSpy() { watching_groups = false; }
};

ProcessResult run_script(const std::string& script) {
  ProcessRequest request;
  request.argv = {"/bin/sh", "-c", script};
  return rootpin::util::run_process(request);
}

// Sends `signal` to this process (not a thread: the watcher's signalfd must see it) once
// `ready` exists, `times` times.
std::jthread signal_when(const std::filesystem::path& ready, int signal, int times = 1) {
  return std::jthread([ready, signal, times] {
    const auto give_up = Clock::now() + 10s;
    while (!std::filesystem::exists(ready) && Clock::now() < give_up) {
      std::this_thread::sleep_for(10ms);
    }
    for (int i = 0; i < times; ++i) {
      ::kill(::getpid(), signal);
      std::this_thread::sleep_for(50ms);
    }
  });
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A leader and a helper in the leader's group, each writing down the signal it got; the
// leader waits for the helper, so both lines are written before it ends.
std::string trapping_group(const TempDir& dir) {
  const std::string log = (dir / "got").string();
  const std::string ready = (dir / "ready").string();
  return "trap 'wait $helper; echo leader-TERM >> " + log + "; exit 0' TERM\n" +
         "( trap 'echo helper-TERM >> " + log + "; exit 0' TERM; touch " + ready +
         "; while :; do sleep 0.05; done ) & helper=$!\n" + "wait\n";
}

}  // namespace

TEST_CASE("a SIGTERM that rootpin gets while a child runs reaches the child's whole group") {
  TempDir dir;
  GroupSpy spy;
  default_dispositions();
  SignalWatch watch(5s);
  auto sender = signal_when(dir / "ready", SIGTERM);
  auto r = run_script(trapping_group(dir));
  CHECK(r.stopped_by == SIGTERM);
  CHECK(r.exit_code == 0);  // it stopped as it wanted to, and still did not do its work:
  CHECK_FALSE(r.ok());
  CHECK(r.describe_end() == "stopped on SIGTERM (exit status 0)");
  CHECK(read_file(dir / "got") == "helper-TERM\nleader-TERM\n");
  CHECK(rootpin::util::interrupted() == SIGTERM);
  CHECK(group_kills > 0);
  CHECK(kills_after_reap == 0);
}

TEST_CASE("a group that ignores the signal is killed when the grace period ends") {
  TempDir dir;
  GroupSpy spy;
  default_dispositions();
  SignalWatch watch(300ms);
  auto sender = signal_when(dir / "ready", SIGINT);
  const auto start = Clock::now();
  auto r = run_script("trap '' INT; touch " + (dir / "ready").string() +
                      "; while :; do sleep 0.05; done");
  CHECK(r.stopped_by == SIGINT);
  CHECK(r.signal == SIGKILL);
  CHECK(Clock::now() - start < 5s);
  CHECK(kills_after_reap == 0);
}

TEST_CASE("a second signal kills the group at once") {
  TempDir dir;
  default_dispositions();
  SignalWatch watch(60s);
  auto sender = signal_when(dir / "ready", SIGTERM, 2);
  const auto start = Clock::now();
  auto r = run_script("trap '' TERM; touch " + (dir / "ready").string() +
                      "; while :; do sleep 0.05; done");
  CHECK(r.signal == SIGKILL);
  CHECK(Clock::now() - start < 10s);
}

TEST_CASE("a timed-out child's group is killed before the child is reaped, never after") {
  GroupSpy spy;
  ProcessRequest request;
  request.argv = {"/bin/sh", "-c", "sleep 30 & sleep 30"};
  request.timeout = 200ms;
  auto r = rootpin::util::run_process(request);
  CHECK(r.timed_out);
  CHECK(group_kills > 0);
  CHECK(kills_after_reap == 0);
}

TEST_CASE("a child started after the signal runs to its end (the failure path's cleanup)") {
  default_dispositions();
  SignalWatch watch(5s);
  ::kill(::getpid(), SIGTERM);
  const auto give_up = Clock::now() + 5s;
  while (rootpin::util::interrupted() == 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(rootpin::util::interrupted() == SIGTERM);
  auto r = run_script("sleep 0.2; echo done");
  CHECK(r.ok());
  CHECK(r.out == "done\n");
  CHECK(r.stopped_by == 0);
  CHECK_THROWS_WITH_AS(rootpin::util::throw_if_interrupted("saving the ledger"),
                       "stopped before saving the ledger", rootpin::util::Error);
}

TEST_CASE("a sleep is cut short by a signal, and the watch forgets it when it ends") {
  default_dispositions();
  {
    SignalWatch watch(5s);
    CHECK(rootpin::util::sleep_unless_interrupted(10ms));
    std::jthread sender([] {
      std::this_thread::sleep_for(50ms);
      ::kill(::getpid(), SIGHUP);
    });
    const auto start = Clock::now();
    CHECK_FALSE(rootpin::util::sleep_unless_interrupted(30s));
    CHECK(Clock::now() - start < 10s);
    CHECK(rootpin::util::interrupted() == SIGHUP);
  }
  CHECK(rootpin::util::interrupted() == 0);
  CHECK(rootpin::util::signal_name(SIGTERM) == "SIGTERM");
}

TEST_CASE("a signal inherited as ignored stays ignored (nohup rootpin ...)") {
  default_dispositions();
  ::signal(SIGHUP, SIG_IGN);
  {
    SignalWatch watch(5s);
    ::kill(::getpid(), SIGHUP);
    CHECK(rootpin::util::sleep_unless_interrupted(200ms));
    CHECK(rootpin::util::interrupted() == 0);
  }
  ::signal(SIGHUP, SIG_DFL);
}
