#pragma once
// The one error type rootpin's commands throw. Context is added on the way up
// ("binding fedora/abc.0: pulling quay.io/acme/web:1 for web.container: <podman's reason>");
// main catches once and prints "rootpin: error: ...".

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace rootpin::util {

// Exit status a command ends with (documented in rootpin(8)).
enum class ExitCode : int { Ok = 0, Failed = 1, Usage = 2, Partial = 3 };

class Error : public std::runtime_error {
public:
  explicit Error(std::string message, ExitCode code = ExitCode::Failed)
      : std::runtime_error(std::move(message)), code_(code) {}

  template <typename... Args>
  static Error format(fmt::format_string<Args...> f, Args&&... args) {
    return Error(fmt::format(f, std::forward<Args>(args)...));
  }

  // A new error whose message is "context: <this message>".
  Error with_context(const std::string& context) const {
    return Error(context + ": " + what(), code_);
  }
  ExitCode code() const { return code_; }

private:
  ExitCode code_;
};

// The exception being handled (call inside a catch), as a util::Error: itself when it is
// one, else its what() (or "unknown error") with ExitCode::Failed. Lets a failure path
// that must undo or keep something catch every exception, not only util::Error.
Error current_error();

}  // namespace rootpin::util
