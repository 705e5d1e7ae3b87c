#include "base/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "base/error.hpp"
#include "base/fd.hpp"
#include "base/interrupt.hpp"

extern char** environ;

namespace rootpin::util {

namespace {

using util::Fd;
using Clock = std::chrono::steady_clock;

struct Pipe {
  Fd read;
  Fd write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error::format("cannot create a pipe: {}", std::strerror(errno));
  }
  return {Fd(fds[0]), Fd(fds[1])};
}

// The inherited environment with the request's variables set on top.
std::vector<std::string> build_env(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) {
      vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  for (const auto& [name, value] : extra) {
    vars[name] = value;
  }
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (const auto& [name, value] : vars) {
    out.push_back(fmt::format("{}={}", name, value));
  }
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

// RAII for the two posix_spawn attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

pid_t spawn(const ProcessRequest& request, int out_fd, int err_fd) {
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err_fd, STDERR_FILENO);
  // Its own process group, so a timeout can kill podman and every helper it started.
  posix_spawnattr_setpgroup(&setup.attr, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> args = request.argv;
  std::vector<std::string> env = build_env(request.env);
  auto argv = c_strings(args);
  auto envp = c_strings(env);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data());
  if (rc != 0) {
    if (rc == ENOENT) {
      throw Error::format("{}: program not found{}", request.argv[0],
                          request.argv[0].find('/') == std::string::npos ? " on PATH" : "");
    }
    throw Error::format("{}: cannot run: {}", request.argv[0], std::strerror(rc));
  }
  return pid;
}

// Reads whatever is available; returns false at end of file.
bool drain(int fd, std::string& into) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      return false;
    }
    if (errno == EINTR) {
      continue;
    }
    return errno == EAGAIN;  // any other error ends this stream
  }
}

// Waits until the child has ended, WITHOUT reaping it (WNOWAIT): until the reap its pid,
// and so its process group's ID, stays rootpin's, so the group may still be signalled. A
// child that closed its output but still runs is bounded by the deadline too: polled, then
// killed with its group when the deadline passes.
void wait_ended(pid_t pid, std::optional<Clock::time_point> deadline, ProcessResult& result) {
  for (;;) {
    siginfo_t info{};
    const int flags = WEXITED | WNOWAIT | (deadline && !result.timed_out ? WNOHANG : 0);
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, flags) != 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // ECHILD: nothing left to wait for
    }
    if (info.si_pid == pid) {
      return;
    }
    if (Clock::now() >= *deadline) {
      ::kill(-pid, SIGKILL);
      result.timed_out = true;  // the next wait blocks: SIGKILL cannot be ignored
      continue;
    }
    ::poll(nullptr, 0, 20);
  }
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// The end of a child: helpers that outlived it in its group are killed when it timed out
// or was stopped on a signal (they would hold the store's locks). That is done before
// the reap and never after: once reaped, its group ID may be someone else's.
int finish(pid_t pid, LiveGroup& group, ProcessResult& result) {
  result.stopped_by = group.forwarded();
  if (result.timed_out || result.stopped_by != 0) {
    ::kill(-pid, SIGKILL);
  }
  group.release();
  return reap(pid);
}

}  // namespace

ProcessResult run_process(const ProcessRequest& request) {
  if (request.argv.empty() || request.argv[0].empty()) {
    throw Error("internal error: run_process without a program");
  }
  Pipe out = make_pipe();
  Pipe err = make_pipe();
  const std::uint64_t signals_before = signal_count();
  pid_t pid = spawn(request, out.write.get(), err.write.get());
  LiveGroup group(pid, signals_before);  // a SIGINT or SIGTERM now is passed on to it
  out.write.reset();
  err.write.reset();
  ::fcntl(out.read.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err.read.get(), F_SETFL, O_NONBLOCK);

  ProcessResult result;
  std::optional<Clock::time_point> deadline;
  if (request.timeout) {
    deadline = Clock::now() + *request.timeout;
  }
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    int wait_ms = -1;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
      if (left.count() <= 0) {
        ::kill(-pid, SIGKILL);
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<long long>(left.count(), 60'000));
    }
    pollfd fds[2] = {{out_open ? out.read.get() : -1, POLLIN, 0},
                     {err_open ? err.read.get() : -1, POLLIN, 0}};
    int n = ::poll(fds, 2, wait_ms);
    if (n < 0 && errno != EINTR) {
      ::kill(-pid, SIGKILL);
      break;
    }
    if (n <= 0) {
      continue;
    }
    if (out_open && fds[0].revents != 0) {
      out_open = drain(out.read.get(), result.out);
    }
    if (err_open && fds[1].revents != 0) {
      err_open = drain(err.read.get(), result.err);
    }
  }

  wait_ended(pid, deadline, result);
  int status = finish(pid, group, result);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

std::string ProcessResult::describe_end() const {
  if (stopped_by != 0) {
    return fmt::format("stopped on {} ({})", signal_name(stopped_by),
                       signal != 0 ? fmt::format("killed by signal {}", signal)
                                   : fmt::format("exit status {}", exit_code));
  }
  if (timed_out) {
    return "timed out and was killed";
  }
  if (signal != 0) {
    return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
  }
  return fmt::format("exit status {}", exit_code);
}

namespace {

std::string quote_word(const std::string& word) {
  bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./:=@+,%", c) != nullptr;
  });
  if (plain) {
    return word;
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::string describe_argv(const std::vector<std::string>& argv,
                          const std::vector<std::string>& secret_options) {
  std::string out;
  bool hide_next = false;
  for (const auto& word : argv) {
    std::string shown = word;
    if (hide_next) {
      shown = "***";
      hide_next = false;
    } else {
      for (const auto& opt : secret_options) {
        if (word == opt) {
          hide_next = true;
        } else if (word.starts_with(opt + "=")) {
          shown = opt + "=***";
        }
      }
    }
    if (!out.empty()) {
      out += ' ';
    }
    out += shown == "***" || shown.ends_with("=***") ? shown : quote_word(shown);
  }
  return out;
}

}  // namespace rootpin::util
