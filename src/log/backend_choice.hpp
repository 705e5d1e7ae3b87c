#pragma once
// Which backend "Auto" means for this process. Pure: the environment and stderr's identity
// come in as values, so every case is unit-tested without touching the real process.

#include "src/log/log.hpp"

#include <sys/types.h>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace rootpin::log {

struct StderrIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
};

struct LogEnvironment {
  std::optional<std::string> rootpin_log;     // ROOTPIN_LOG: journal|stderr|auto
  std::optional<std::string> journal_stream;  // JOURNAL_STREAM: "<dev>:<ino>"
  std::optional<std::string> invocation_id;   // INVOCATION_ID: set by systemd for units
  std::optional<StderrIdentity> stderr_id;    // fstat(2) of fd 2, if open
};

// "journal", "stderr", "auto" (the values ROOTPIN_LOG accepts).
std::expected<Backend, std::string> parse_backend(std::string_view text);

// ROOTPIN_LOG wins over the caller's choice (an admin's knob for debugging a unit, and how
// the tests force the journal); then an explicit Journal/Stderr; then Auto: the journal
// when stderr *is* the journal stream systemd gave us or we run as a unit (INVOCATION_ID),
// stderr otherwise. Never returns Auto. An invalid ROOTPIN_LOG is ignored (see log.cpp).
Backend choose_backend(Backend requested, const LogEnvironment& env);

// Reads the real environment and fstat(2)s fd 2.
LogEnvironment current_log_environment();

}  // namespace rootpin::log
