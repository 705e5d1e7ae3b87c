#pragma once
// Where rootpin's events go: the journal (structured fields, a fixed MESSAGE_ID per event
// kind) when running under systemd, plain stderr otherwise; sd_notify STATUS= for progress.

#include <string>

namespace rootpin::log {

enum class Event {
  Message,  // no MESSAGE_ID
  RootBound,
  ImagePinned,
  ImageUnpinned,
  UpgradeStaged,
  UpgradeFailed,
  GcFreed,
};

enum class Priority { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

struct Fields {
  std::string root;    // ROOTPIN_ROOT=
  std::string image;   // ROOTPIN_IMAGE=
  std::string digest;  // ROOTPIN_DIGEST=
};

enum class Backend { Auto, Journal, Stderr };

// Auto picks the journal when stderr is connected to it (JOURNAL_STREAM matches) or
// INVOCATION_ID is set, stderr otherwise. verbosity: 0 = notice and above, 1+ = info, 2+ = debug.
void configure(Backend backend, int verbosity);

void emit(Event event, Priority priority, const std::string& message, const Fields& fields = {});

inline void info(const std::string& m, const Fields& f = {}) {
  emit(Event::Message, Priority::Info, m, f);
}
inline void notice(const std::string& m, const Fields& f = {}) {
  emit(Event::Message, Priority::Notice, m, f);
}
inline void warning(const std::string& m, const Fields& f = {}) {
  emit(Event::Message, Priority::Warning, m, f);
}
inline void error(const std::string& m, const Fields& f = {}) {
  emit(Event::Message, Priority::Error, m, f);
}
inline void debug(const std::string& m, const Fields& f = {}) {
  emit(Event::Message, Priority::Debug, m, f);
}

// sd_notify("STATUS=...") when NOTIFY_SOCKET is set; a no-op otherwise.
void status(const std::string& text);

}  // namespace rootpin::log
