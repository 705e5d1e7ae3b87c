#include "src/metrics/metrics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace rootpin::metrics {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Label values escape backslash, double quote and newline; HELP text backslash and newline.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote) out += "\\\"";
    else out += c;
  }
  return out;
}

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<long long>(value));
  }
  return fmt::format("{:.3f}", value);
}

class Writer {
public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape(help, false), name, type);
  }
  void sample(const Labels& labels, double value) { line(labels, number(value)); }
  void sample(const Labels& labels, std::uint64_t value) { line(labels, fmt::format("{}", value)); }
  std::string take() { return std::move(out_); }

private:
  void line(const Labels& labels, const std::string& value) {
    out_ += name_;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        out_ += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first,
                            escape(labels[i].second, true));
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }

  std::string out_;
  std::string name_;
};

// The roles and holder kinds always present (0 when none), so that an alert on one of them
// sees a value rather than an absent series.
constexpr const char* kRoles[] = {"booted", "staged", "pending", "rollback"};
constexpr const char* kPullResults[] = {"success", "failure"};
constexpr const char* kHolders[] = {"root", "pin"};

template <typename Map>
Map with_defaults(Map map, const auto& keys) {
  for (const char* key : keys) {
    map.try_emplace(key, 0);
  }
  return map;
}

// When each command last ran, last succeeded, and how long its last run took.
void write_runs(Writer& w, const History& h) {
  if (!h.last_run.empty()) {
    w.family("rootpin_last_run_timestamp_seconds", "gauge",
             "Unix time the last run of a command ended, by command and result.");
    for (const auto& [command, results] : h.last_run) {
      for (const auto& [result, time] : results) {
        w.sample({{"command", command}, {"result", result}}, time);
      }
    }
  }
  if (!h.last_success.empty()) {
    w.family("rootpin_last_success_timestamp_seconds", "gauge",
             "Unix time the last successful run of a command ended.");
    for (const auto& [command, time] : h.last_success) {
      w.sample({{"command", command}}, time);
    }
  }
  if (!h.last_duration.empty()) {
    w.family("rootpin_last_run_duration_seconds", "gauge",
             "How long the last run of a command took, in seconds.");
    for (const auto& [command, seconds] : h.last_duration) {
      w.sample({{"command", command}}, seconds);
    }
  }
}

void write_pulls(Writer& w, const History& h) {
  w.family("rootpin_pulls_total", "counter",
           "Image pulls rootpin ran, by result (retries of one pull count once).");
  for (const auto& [result, count] : with_defaults(h.pulls, kPullResults)) {
    w.sample({{"result", result}}, count);
  }
  w.family("rootpin_pulled_bytes_total", "counter",
           "Bytes of the images rootpin pulled, as their size in the store.");
  w.sample({}, h.pulled_bytes);
}

void write_store(Writer& w, const History& h) {
  if (!h.store) return;
  w.family("rootpin_store_images", "gauge", "Images in rootpin's store, as of its last listing.");
  w.sample({}, h.store->images);
  w.family("rootpin_store_size_bytes", "gauge",
           "Size of the images in rootpin's store in bytes, as of its last listing.");
  w.sample({}, h.store->bytes);
}

// The live roots by role, the images held by holder kind, the staged root's finalization.
void write_roots(Writer& w, const Snapshot& s) {
  if (s.roots) {
    w.family("rootpin_roots", "gauge", "Live roots, by role.");
    for (const auto& [role, count] : with_defaults(s.roots->live, kRoles)) {
      w.sample({{"role", role}}, count);
    }
    w.family("rootpin_roots_unbound", "gauge",
             "Live roots whose images are not bound (no record in the ledger), by role.");
    for (const auto& [role, count] : with_defaults(s.roots->unbound, kRoles)) {
      w.sample({{"role", role}}, count);
    }
  }
  if (s.held) {
    w.family("rootpin_held_images", "gauge",
             "Distinct images (by digest) that rootpin holds, by holder kind.");
    for (const auto& [holder, count] : with_defaults(*s.held, kHolders)) {
      w.sample({{"holder", holder}}, count);
    }
  }
  if (s.staged_finalization_locked) {
    w.family("rootpin_staged_finalization_locked", "gauge",
             "1 when a staged root exists that ostree will not finalize at shutdown "
             "(its images are still being pulled, or binding it failed).");
    w.sample({}, std::uint64_t{*s.staged_finalization_locked ? 1u : 0u});
  }
}

}  // namespace

std::string_view to_string(Result result) {
  switch (result) {
    case Result::Success: return "success";
    case Result::Failure: return "failure";
    case Result::Partial: return "partial";
  }
  return "failure";
}

std::string render(const Snapshot& s) {
  Writer w;
  write_runs(w, s.history);
  write_pulls(w, s.history);
  write_store(w, s.history);
  write_roots(w, s);
  return w.take();
}

void record_run(History& history, const std::string& command, Result result, double ended_at,
                double duration_seconds) {
  history.last_run[command][std::string(to_string(result))] = ended_at;
  if (result == Result::Success) {
    history.last_success[command] = ended_at;
  }
  history.last_duration[command] = duration_seconds;
}

}  // namespace rootpin::metrics
