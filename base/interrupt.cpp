#include "base/interrupt.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "base/error.hpp"
#include "base/fd.hpp"

namespace rootpin::util {

namespace {

using Clock = std::chrono::steady_clock;

struct Group {
  int forwarded = 0;  // the signal rootpin received and passed on; 0: none yet
  bool killed = false;
  Clock::time_point deadline{};  // SIGKILL when still registered then
};

// Shared by the watcher thread and every thread that runs a child.
struct State {
  std::mutex mutex;
  std::condition_variable signalled;
  std::map<pid_t, Group> groups;
  std::chrono::milliseconds grace{0};
  bool watching = false;
  int last = 0;
  std::atomic<int> first{0};
  std::atomic<std::uint64_t> count{0};
};

State& state() {
  static State s;
  return s;
}

// What the children get: a hangup means the terminal is gone, not "reload"; podman stops
// cleanly on SIGTERM.
int passed_on(int signal) { return signal == SIGHUP ? SIGTERM : signal; }

// Called with the mutex held. The first signal a group gets is rootpin's own, passed on; a
// second one means "stop now".
void signal_group(pid_t group, Group& g, int signal, Clock::time_point now,
                  std::chrono::milliseconds grace) {
  if (g.forwarded == 0) {
    ::kill(-group, passed_on(signal));
    g.forwarded = signal;
    g.deadline = now + grace;
  } else if (!g.killed) {
    ::kill(-group, SIGKILL);
    g.killed = true;
  }
}

void on_signal(int signal) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  int none = 0;
  s.first.compare_exchange_strong(none, signal);
  s.last = signal;
  s.count.fetch_add(1);
  const auto now = Clock::now();
  for (auto& [group, g] : s.groups) {
    signal_group(group, g, signal, now, s.grace);
  }
  s.signalled.notify_all();
}

// SIGKILLs the groups whose grace is over; returns when the next one's ends.
std::optional<Clock::time_point> kill_overdue() {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  const auto now = Clock::now();
  std::optional<Clock::time_point> next;
  for (auto& [group, g] : s.groups) {
    if (g.forwarded == 0 || g.killed) {
      continue;
    }
    if (now >= g.deadline) {
      ::kill(-group, SIGKILL);  // not reaped yet (registered): the group is still ours
      g.killed = true;
    } else {
      next = next ? std::min(*next, g.deadline) : g.deadline;
    }
  }
  return next;
}

// Until the next grace period ends. Once interrupted, at least every 100 ms: a child spawned
// while the signal came (LiveGroup) starts a grace period this thread was not told of.
int poll_timeout(std::optional<Clock::time_point> until) {
  long long ms = interrupted() != 0 ? 100 : -1;
  if (until) {
    const long long left = std::clamp<long long>(
        std::chrono::ceil<std::chrono::milliseconds>(*until - Clock::now()).count(), 0, 60'000);
    ms = ms < 0 ? left : std::min(ms, left);
  }
  return static_cast<int>(ms);
}

// The watcher thread: every signal, every end of a grace period, until stop_fd is written.
void watch(int signal_fd, int stop_fd) {
  std::optional<Clock::time_point> next;
  for (;;) {
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (::poll(fds, 2, poll_timeout(next)) < 0 && errno != EINTR) {
      return;
    }
    if (fds[1].revents != 0) {
      return;
    }
    signalfd_siginfo info{};
    while (::read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      on_signal(static_cast<int>(info.ssi_signo));
    }
    next = kill_overdue();
  }
}

// The signals rootpin handles, less those it inherited as ignored (nohup, a shell's `&`):
// a blocked signal is queued even when ignored, and the caller asked not to be stopped.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction current {};
    if (::sigaction(signal, nullptr, &current) == 0 && current.sa_handler != SIG_IGN) {
      sigaddset(&set, signal);
    }
  }
  return set;
}

}  // namespace

struct SignalWatch::Watcher {
  sigset_t handled{};
  sigset_t previous{};
  Fd signal_fd;
  Fd stop_fd;
  std::thread thread;
};

SignalWatch::SignalWatch(std::chrono::milliseconds grace) : watcher_(std::make_unique<Watcher>()) {
  auto& s = state();
  {
    std::lock_guard lock(s.mutex);
    if (s.watching) {
      throw Error("internal error: a second SignalWatch");
    }
    s.watching = true;
    s.grace = grace;
  }
  auto& w = *watcher_;
  w.handled = handled_signals();
  ::pthread_sigmask(SIG_BLOCK, &w.handled, &w.previous);
  w.signal_fd = Fd(::signalfd(-1, &w.handled, SFD_CLOEXEC | SFD_NONBLOCK));
  w.stop_fd = Fd(::eventfd(0, EFD_CLOEXEC));
  if (!w.signal_fd || !w.stop_fd) {
    const int err = errno;
    ::pthread_sigmask(SIG_SETMASK, &w.previous, nullptr);
    std::lock_guard lock(s.mutex);
    s.watching = false;
    throw Error::format("cannot watch for signals: {}", std::strerror(err));
  }
  w.thread = std::thread(watch, w.signal_fd.get(), w.stop_fd.get());
}

SignalWatch::~SignalWatch() {
  auto& w = *watcher_;
  const std::uint64_t one = 1;
  if (::write(w.stop_fd.get(), &one, sizeof one) == sizeof one) {
    w.thread.join();
  } else {
    w.thread.detach();  // cannot happen with an eventfd; never block the exit on it
  }
  // Drop what arrived since, so that restoring the mask delivers nothing.
  const timespec now{0, 0};
  while (::sigtimedwait(&w.handled, nullptr, &now) > 0) {
  }
  ::pthread_sigmask(SIG_SETMASK, &w.previous, nullptr);
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.watching = false;
  s.first = 0;
  s.last = 0;
}

int interrupted() { return state().first.load(); }

std::uint64_t signal_count() { return state().count.load(); }

std::string signal_name(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

bool sleep_unless_interrupted(std::chrono::milliseconds duration) {
  auto& s = state();
  std::unique_lock lock(s.mutex);
  return !s.signalled.wait_for(lock, duration, [&] { return s.first.load() != 0; });
}

void throw_if_interrupted(const std::string& what) {
  if (interrupted() != 0) {
    throw Error("stopped before " + what);
  }
}

LiveGroup::LiveGroup(pid_t group, std::uint64_t count_before_spawn) : group_(group) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  auto& g = s.groups[group];
  registered_ = true;
  if (s.count.load() != count_before_spawn && s.last != 0) {
    // The signal came while the child was being spawned: it is one of those running then.
    signal_group(group, g, s.last, Clock::now(), s.grace);
  }
}

void LiveGroup::release() {
  if (!registered_) {
    return;
  }
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (auto it = s.groups.find(group_); it != s.groups.end()) {
    forwarded_ = it->second.forwarded;
    killed_ = it->second.killed;
    s.groups.erase(it);
  }
  registered_ = false;
}

LiveGroup::Seen LiveGroup::seen() const {
  if (!registered_) {
    return {forwarded_, killed_};
  }
  auto& s = state();
  std::lock_guard lock(s.mutex);
  auto it = s.groups.find(group_);
  return it != s.groups.end() ? Seen{it->second.forwarded, it->second.killed} : Seen{};
}

int LiveGroup::forwarded() const { return seen().forwarded; }

bool LiveGroup::killed() const { return seen().killed; }

}  // namespace rootpin::util
