#pragma once
// SIGINT, SIGTERM and SIGHUP, handled so that no podman is left behind (issue 11).
//
// Every child runs in a process group of its own (process.hpp), so that a timeout can kill
// podman with its helpers; the flip side is that a Ctrl-C on the terminal or systemd's
// SIGTERM (KillMode=mixed) reaches rootpin alone. So rootpin blocks these signals in every
// thread (SignalWatch, made first thing in main, before any thread exists: threads inherit
// the mask) and one watcher thread takes them from a signalfd. No thread is ever
// interrupted by them at an unsafe point. On a signal the watcher:
//  - forwards it to the group of every child running then (SIGTERM for a SIGHUP: the
//    terminal is gone, podman should stop, and it cleans up on SIGTERM);
//  - SIGKILLs the groups still running `grace` later; a second signal does that at once;
//  - remembers the first signal: interrupted(). Workers start no new pull or retry, the
//    ledger is not written, the command fails as any failure does, and main exits with
//    128 + the signal (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
// A group is signalled only while its leader is not reaped (LiveGroup is dropped before
// the reap), so its ID cannot belong to anyone else by then.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace rootpin::util {

class SignalWatch {
public:
  // Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and so in every thread it
  // starts later) and starts the watcher. One at a time.
  explicit SignalWatch(std::chrono::milliseconds grace);
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;
  // Stops the watcher, drops signals still pending and restores the signal mask.
  ~SignalWatch();

private:
  struct Watcher;
  std::unique_ptr<Watcher> watcher_;
};

// The first SIGINT, SIGTERM or SIGHUP received while a SignalWatch runs; 0 when none.
int interrupted();

// "SIGTERM" for 15.
std::string signal_name(int signal);

// Waits `duration` unless a signal arrives first: false when interrupted.
bool sleep_unless_interrupted(std::chrono::milliseconds duration);

// Throws util::Error("stopped before <what>") once a signal arrived: the checkpoint before
// work that must not start after it (main names the signal).
void throw_if_interrupted(const std::string& what);

// Counts the signals received; run_process reads it before spawning so that a signal
// arriving while it spawns still reaches the child.
std::uint64_t signal_count();

// A running child's process group, registered with the watcher. Made right after the spawn,
// destroyed (or released) before the child is reaped.
class LiveGroup {
public:
  // `count_before_spawn`: signal_count() read before spawning; a signal received since is
  // forwarded now.
  LiveGroup(pid_t group, std::uint64_t count_before_spawn);
  LiveGroup(const LiveGroup&) = delete;
  LiveGroup& operator=(const LiveGroup&) = delete;
  ~LiveGroup() { release(); }

  // Unregisters: call before reaping the leader.
  void release();
  // The signal forwarded to the group (0: none), and whether it was SIGKILLed after that.
  int forwarded() const;
  bool killed() const;

private:
  struct Seen {
    int forwarded = 0;
    bool killed = false;
  };
  Seen seen() const;

  pid_t group_;
  bool registered_ = false;
  int forwarded_ = 0;  // as it was when released
  bool killed_ = false;
};

}  // namespace rootpin::util
