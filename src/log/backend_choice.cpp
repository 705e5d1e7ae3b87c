#include "src/log/backend_choice.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <charconv>
#include <cstdlib>

namespace rootpin::log {

namespace {

// JOURNAL_STREAM is "<st_dev>:<st_ino>" in decimal (systemd.exec(5)).
std::optional<StderrIdentity> parse_journal_stream(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view dev_text = text.substr(0, colon);
  std::string_view ino_text = text.substr(colon + 1);
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  auto [p1, e1] = std::from_chars(dev_text.data(), dev_text.data() + dev_text.size(), dev);
  auto [p2, e2] = std::from_chars(ino_text.data(), ino_text.data() + ino_text.size(), ino);
  if (e1 != std::errc{} || e2 != std::errc{} || p1 != dev_text.data() + dev_text.size() ||
      p2 != ino_text.data() + ino_text.size() || dev_text.empty() || ino_text.empty()) {
    return std::nullopt;
  }
  return StderrIdentity{static_cast<dev_t>(dev), static_cast<ino_t>(ino)};
}

std::optional<std::string> getenv_opt(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) {
    return std::nullopt;
  }
  return std::string(v);
}

}  // namespace

std::expected<Backend, std::string> parse_backend(std::string_view text) {
  if (text == "journal") {
    return Backend::Journal;
  }
  if (text == "stderr") {
    return Backend::Stderr;
  }
  if (text == "auto") {
    return Backend::Auto;
  }
  return std::unexpected("ROOTPIN_LOG=" + std::string(text) + ": expected journal, stderr or auto");
}

Backend choose_backend(Backend requested, const LogEnvironment& env) {
  if (env.rootpin_log) {
    if (auto forced = parse_backend(*env.rootpin_log); forced && *forced != Backend::Auto) {
      return *forced;
    } else if (forced) {
      requested = Backend::Auto;
    }
  }
  if (requested != Backend::Auto) {
    return requested;
  }
  if (env.journal_stream && env.stderr_id) {
    auto stream = parse_journal_stream(*env.journal_stream);
    if (stream && stream->dev == env.stderr_id->dev && stream->ino == env.stderr_id->ino) {
      return Backend::Journal;
    }
  }
  if (env.invocation_id && !env.invocation_id->empty()) {
    return Backend::Journal;
  }
  return Backend::Stderr;
}

LogEnvironment current_log_environment() {
  LogEnvironment env;
  env.rootpin_log = getenv_opt("ROOTPIN_LOG");
  env.journal_stream = getenv_opt("JOURNAL_STREAM");
  env.invocation_id = getenv_opt("INVOCATION_ID");
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) == 0) {
    env.stderr_id = StderrIdentity{st.st_dev, st.st_ino};
  }
  return env;
}

}  // namespace rootpin::log
