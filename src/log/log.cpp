// Dispatch of rootpin's events to the chosen backend. Pulls run on several threads, so the
// state sits behind one mutex and every entry leaves as one write (one datagram for the
// journal, one write(2) for stderr).
#include "src/log/log.hpp"

#include "src/log/backend_choice.hpp"
#include "src/log/journal_backend.hpp"
#include "src/log/stderr_backend.hpp"

#include <systemd/sd-daemon.h>

#include <mutex>

namespace rootpin::log {

namespace {

struct State {
  std::mutex mutex;
  bool configured = false;
  Backend backend = Backend::Stderr;  // never Auto once configured
  int verbosity = 0;
};

State& state() {
  static State s;
  return s;
}

// Called with the mutex held.
void configure_locked(State& s, Backend backend, int verbosity) {
  LogEnvironment env = current_log_environment();
  s.backend = choose_backend(backend, env);
  if (s.backend == Backend::Journal && !journal_available()) {
    s.backend = Backend::Stderr;
  }
  s.verbosity = verbosity;
  s.configured = true;
  if (env.rootpin_log) {
    if (auto parsed = parse_backend(*env.rootpin_log); !parsed) {
      write_stderr(Priority::Warning, parsed.error() + " (ignored)");
    }
  }
}

// Plain messages follow -v. Events (pinned, unpinned, bound, …) are the record of what
// rootpin did to the store: the journal keeps them at info and above even without -v. On
// stderr the command's own output already says the same thing on stdout, so there events
// follow -v like messages, except warnings and errors, which always show.
bool passes(Backend backend, Event event, Priority priority, int verbosity) {
  int limit = verbosity >= 2 ? 7 : verbosity == 1 ? 6 : 5;
  if (event != Event::Message) {
    if (backend == Backend::Journal && priority <= Priority::Info) {
      return true;
    }
    if (verbosity == 0) {
      return priority <= Priority::Warning;
    }
  }
  return static_cast<int>(priority) <= limit;
}

}  // namespace

void configure(Backend backend, int verbosity) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  configure_locked(s, backend, verbosity);
}

void emit(Event event, Priority priority, const std::string& message, const Fields& fields) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.configured) {
    // Errors before main() configured us (bad options) still go to the right place.
    configure_locked(s, Backend::Auto, 0);
  }
  if (!passes(s.backend, event, priority, s.verbosity)) {
    return;
  }
  if (s.backend == Backend::Journal && send_to_journal(event, priority, message, fields)) {
    return;
  }
  write_stderr(priority, message);
}

void status(const std::string& text) {
  // sd_notify is a no-op without NOTIFY_SOCKET; the 0 keeps it set for later updates.
  // The protocol is newline-separated assignments: a newline in the text would end it.
  std::string line = "STATUS=" + text;
  for (char& c : line) {
    if (c == '\n') {
      c = ' ';
    }
  }
  sd_notify(0, line.c_str());
}

}  // namespace rootpin::log
