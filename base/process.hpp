#pragma once
// Runs a program from an argv vector (never through a shell) and captures its output.
// Used for every podman call: arguments come from untrusted roots and admins, so nothing
// may ever be interpreted by a shell.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rootpin::util {

struct ProcessRequest {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH when it has no '/'
  // Added to (or replacing in) the inherited environment: NAME, value.
  std::vector<std::pair<std::string, std::string>> env;
  // The child's whole process group is killed (SIGKILL) when it runs longer.
  std::optional<std::chrono::milliseconds> timeout;
};

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it, else 0
  bool timed_out = false;
  // The SIGINT, SIGTERM or SIGHUP rootpin received while it ran and passed on (interrupt.hpp).
  int stopped_by = 0;
  std::string out;
  std::string err;

  // A child stopped on rootpin's signal did not do its work, whatever it exits with
  // (podman 4.3 exits 0 on SIGTERM in the middle of a pull).
  bool ok() const { return exit_code == 0 && stopped_by == 0; }
  // "exit status 1", "killed by signal 9", "stopped on SIGTERM (exit status 0)", "timed out
  // and was killed" for messages.
  std::string describe_end() const;
};

// The child runs in a process group of its own with no signal blocked. While it runs, a
// SIGINT/SIGTERM/SIGHUP rootpin receives is passed on to that group and the group is
// killed if it outlives the grace period (interrupt.hpp).
// Throws util::Error when the program cannot be started (naming it: "podman: not found
// on PATH"); a program that runs and fails is reported in the result, not thrown.
ProcessResult run_process(const ProcessRequest& request);

// argv joined for messages, each word quoted when needed, and the value following any
// option in `secret_options` (e.g. "--creds") replaced with "***" (also "--creds=x").
std::string describe_argv(const std::vector<std::string>& argv,
                          const std::vector<std::string>& secret_options = {});

}  // namespace rootpin::util
