#include "src/app/puller.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <thread>

#include "base/error.hpp"
#include "base/interrupt.hpp"
#include "src/app/free_space.hpp"

namespace rootpin::app {

std::optional<std::chrono::milliseconds> parse_retry_delay(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::chrono::milliseconds total{0};
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    if (start == i || i - start > 9) {
      return std::nullopt;
    }
    long long n = std::stoll(text.substr(start, i - start));
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    std::string unit = text.substr(unit_start, i - unit_start);
    if (unit == "ms") {
      total += std::chrono::milliseconds(n);
    } else if (unit == "s" || (unit.empty() && start == 0 && i == text.size())) {
      total += std::chrono::seconds(n);
    } else if (unit == "m") {
      total += std::chrono::minutes(n);
    } else if (unit == "h") {
      total += std::chrono::hours(n);
    } else {
      return std::nullopt;
    }
  }
  return total;
}

int tries_for(const quadlet_scan::PullOptions& options, int default_tries) {
  if (options.retry) {
    return std::clamp(*options.retry, 0, 100) + 1;
  }
  return std::max(default_tries, 1);
}

// A failed name lookup ("no such host") is retried like any network trouble: at boot the
// network (and its DNS) often comes up after rootpin starts (issue 11).
bool is_retryable(const std::string& reason) {
  static const char* const kFinal[] = {
      "manifest unknown",
      "unauthorized",
      "authentication required",
      "denied",
      "invalid reference",
      "not found",
      "invalid argument",
      "no space left on device",
      "short-name",
      "repository name must",
      "no such file or directory",
  };
  std::string lower = reason;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::none_of(std::begin(kFinal), std::end(kFinal),
                      [&](const char* f) { return lower.find(f) != std::string::npos; });
}

namespace {

constexpr std::string_view kNotStarted = "not pulled: rootpin is stopping";
constexpr std::string_view kNotRetried = "not retried: rootpin is stopping";

// Pulls one image with bounded retries; returns the image ID or the final reason.
struct AttemptResult {
  std::optional<std::string> id;
  std::string error;
};

AttemptResult pull_with_retries(ImageStore& store, const core::PlannedImage& p,
                                const PullerOptions& options,
                                const std::function<void(const PullEvent&)>& report) {
  const int tries = tries_for(p.options, options.default_tries);
  auto fixed_delay =
      p.options.retry_delay ? parse_retry_delay(*p.options.retry_delay) : std::nullopt;
  auto delay = fixed_delay.value_or(options.default_delay);
  core::PullRequest request{p.ref.as_written, p.options, options.timeout};
  report({PullEvent::Kind::Started, p.ref.as_written, 1, tries, "", ""});
  for (int attempt = 1;; ++attempt) {
    try {
      auto pulled = store.pull(request);
      report({PullEvent::Kind::Done, p.ref.as_written, attempt, tries, "", pulled.id});
      return {pulled.id, ""};
    } catch (...) {
      // Any exception is this image's failure (issue 11): none may escape a pulling thread.
      std::string reason = util::current_error().what();
      // After SIGINT/SIGTERM no retry starts, and none waits out its delay.
      const bool stop = util::interrupted() != 0;
      if (stop || attempt >= tries || !is_retryable(reason)) {
        report({PullEvent::Kind::Failed, p.ref.as_written, attempt, tries, reason, ""});
        return {std::nullopt, reason};
      }
      report({PullEvent::Kind::Retrying, p.ref.as_written, attempt + 1, tries, reason, ""});
      if (!util::sleep_unless_interrupted(delay)) {
        reason += "; " + std::string(kNotRetried);
        report({PullEvent::Kind::Failed, p.ref.as_written, attempt, tries, reason, ""});
        return {std::nullopt, reason};
      }
      if (!fixed_delay) {
        delay *= 2;
      }
    }
  }
}

// One worker: takes the next image until none is left. After a signal it starts no pull:
// the images not started yet fail with that reason.
void pull_worker(ImageStore& store, const core::PullPlan& plan, const PullerOptions& options,
                 const PullReporter& report, std::atomic<size_t>& next,
                 std::vector<AttemptResult>& results) {
  for (size_t i = next++; i < plan.to_pull.size(); i = next++) {
    const auto& p = plan.to_pull[i];
    if (util::interrupted() != 0) {
      results[i] = {std::nullopt, std::string(kNotStarted)};
      report({PullEvent::Kind::Failed, p.ref.as_written, 1, 1, results[i].error, ""});
      continue;
    }
    try {
      results[i] = pull_with_retries(store, p, options, report);
    } catch (...) {
      results[i] = {std::nullopt, util::current_error().what()};
    }
  }
}

// Pulls every planned image with options.jobs workers; the reporter is called from one
// thread at a time.
std::vector<AttemptResult> pull_all(ImageStore& store, const core::PullPlan& plan,
                                    const PullerOptions& options, const PullReporter& report) {
  std::mutex report_mutex;
  // A reporter that fails (a terminal gone, a JSON error) must not end a pulling thread:
  // progress is lost, the pull goes on.
  auto serialized = [&](const PullEvent& e) noexcept {
    if (report) {
      std::lock_guard lock(report_mutex);
      try {
        report(e);
      } catch (...) {
      }
    }
  };
  std::vector<AttemptResult> results(plan.to_pull.size());
  std::atomic<size_t> next{0};
  std::vector<std::jthread> workers;
  const size_t jobs =
      std::clamp<size_t>(static_cast<size_t>(std::max(options.jobs, 1)), 1, plan.to_pull.size());
  for (size_t w = 0; w < jobs; ++w) {
    workers.emplace_back([&] { pull_worker(store, plan, options, serialized, next, results); });
  }
  workers.clear();  // joins them: results is complete
  return results;
}

// A pulled image's outcome from ONE listing after all pulls: its ID, the digest the
// reference got, and whether the store had that image before (`listed_before`).
PullOutcome pulled_outcome(const core::PlannedImage& p, const AttemptResult& result,
                           const std::vector<StoredImage>& listing,
                           const std::vector<std::string>& listed_before) {
  PullOutcome outcome{p, std::nullopt, "", std::nullopt, true};
  if (!result.id) {
    outcome.error = result.error;
    return outcome;
  }
  const auto& id = *result.id;
  auto by_id = std::find_if(listing.begin(), listing.end(),
                            [&](const StoredImage& s) { return !id.empty() && s.id == id; });
  outcome.image = by_id != listing.end() ? std::optional(*by_id) : core::find_image(p.ref, listing);
  if (outcome.image) {
    outcome.digest = core::digest_for(p.ref, *outcome.image);
    outcome.new_image = std::find(listed_before.begin(), listed_before.end(), outcome.image->id) ==
                        listed_before.end();
  } else {
    outcome.error = "pulling " + p.ref.as_written +
                    ": podman reported success but the image is not in the store";
  }
  return outcome;
}

}  // namespace

std::vector<PullOutcome> run_pulls(ImageStore& store, const core::PullPlan& plan,
                                   const PullerOptions& options, const PullReporter& report) {
  std::vector<PullOutcome> outcomes;
  outcomes.reserve(plan.present.size() + plan.to_pull.size());
  for (const auto& p : plan.present) {
    outcomes.push_back(
        {p, p.present, p.present ? core::digest_for(p.ref, *p.present) : "", {}, false});
  }
  if (plan.to_pull.empty()) {
    return outcomes;
  }
  if (auto problem = free_space_problem(store.store_path(), options.min_free)) {
    for (const auto& p : plan.to_pull) {
      std::string reason = "not pulling " + p.ref.as_written + ": " + *problem;
      if (report) {
        report({PullEvent::Kind::Failed, p.ref.as_written, 1, 1, reason, ""});
      }
      outcomes.push_back({p, std::nullopt, "", reason, true});
    }
    return outcomes;
  }
  const auto results = pull_all(store, plan, options, report);
  const auto listing = store.list();
  for (size_t i = 0; i < plan.to_pull.size(); ++i) {
    outcomes.push_back(pulled_outcome(plan.to_pull[i], results[i], listing, plan.listed_ids));
  }
  return outcomes;
}

}  // namespace rootpin::app
