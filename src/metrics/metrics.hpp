#pragma once
// rootpin's metrics for node_exporter's textfile collector: a snapshot of what rootpin knows,
// rendered in the Prometheus text exposition format (pure), and the history that must
// outlive one run (last run and success per command, pull counters, the store's last
// listing), kept as JSON in the state directory.
//
// Names follow Prometheus' naming practice: base units (seconds, bytes), `_total` on
// counters only, `_timestamp_seconds` for the time of an event, one unit per metric.
// Every metric is documented with its meaning and an example alert in rootpin.conf(5).

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace rootpin::metrics {

// How a command ended, as the `result` label says it.
enum class Result { Success, Failure, Partial };
std::string_view to_string(Result result);

struct StoreFacts {
  std::uint64_t images = 0;
  std::uint64_t bytes = 0;

  bool operator==(const StoreFacts&) const = default;
};

// What must survive from one run to the next (the textfile is rewritten whole each time).
struct History {
  static constexpr int kVersion = 1;

  // command -> result ("success", "failure", "partial") -> Unix time the run ended
  std::map<std::string, std::map<std::string, double>> last_run;
  std::map<std::string, double> last_success;   // command -> Unix time
  std::map<std::string, double> last_duration;  // command -> seconds the last run took
  std::map<std::string, std::uint64_t> pulls;   // result ("success", "failure") -> count
  std::uint64_t pulled_bytes = 0;
  std::optional<StoreFacts> store;  // as of the last listing of the store

  bool operator==(const History&) const = default;
};

// A command that ended: updates last_run, last_success (on success) and last_duration.
void record_run(History& history, const std::string& command, Result result, double ended_at,
                double duration_seconds);

// Missing keys are their empty values; another version is an error (the caller starts over).
std::expected<History, std::string> parse_history(std::string_view json);
std::string serialize_history(const History& history);

// Roots ostree still has on disk, by role ("booted", "staged", "pending", "rollback",
// "other"; "external" for roots bound with --root), and how many of them have no record
// in the ledger yet.
struct RootFacts {
  std::map<std::string, std::uint64_t> live;
  std::map<std::string, std::uint64_t> unbound;

  bool operator==(const RootFacts&) const = default;
};

struct Snapshot {
  History history;
  std::optional<RootFacts> roots;
  // Distinct images (by digest) held, by holder kind: "root", "pin".
  std::optional<std::map<std::string, std::uint64_t>> held;
  // Whether a staged root exists that ostree will not finalize
  // (/run/ostree/staged-deployment-locked): nullopt when not known.
  std::optional<bool> staged_finalization_locked;
};

// The textfile: `# HELP`, `# TYPE` and the samples of each metric, metrics and labels in a
// stable order, ending with a newline. Metrics whose facts are unknown are left out.
std::string render(const Snapshot& snapshot);

// The file node_exporter reads, and how it is written: DIR/rootpin.prom replaced atomically
// (a temp file in DIR whose name does not end in .prom, fsync, rename, fsync DIR), mode 0644.
// Nothing else is left in DIR, also when writing fails. Throws util::Error.
inline constexpr const char* kTextfileName = "rootpin.prom";
void write_textfile(const std::string& dir, std::string_view content);

}  // namespace rootpin::metrics
