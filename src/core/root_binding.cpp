#include "src/core/root_binding.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "src/core/reference.hpp"

namespace rootpin::core {

RootWants wants_of_root(const quadlet_scan::ScanResult& scan, const std::string& root_id) {
  RootWants result;
  for (const auto& unit : scan.units) {
    const UnitInRoot who{unit.unit, root_id};
    if (unit.error) {
      result.problems.push_back(fmt::format("{}: {}", to_string(who), unit.error->to_string()));
    } else if (!unit.images.empty()) {
      // Every image the unit needs: Image=, each Mount=type=image, a .kube's pods'.
      for (const auto& use : unit.images) {
        auto want = unit_want(who, use.reference, use.pull);
        want.key = use.key;
        want.named_at = fmt::format("{}:{}", use.file, use.line);
        result.wants.push_back(std::move(want));
      }
    } else if (unit.pullable()) {  // a result in the single-image form only
      result.wants.push_back(unit_want(who, *unit.image, unit.pull));
    }
  }
  return result;
}

void refresh_floating(PullPlan& plan) {
  auto floating = [](const PlannedImage& p) {
    const auto& policy = p.options.policy;
    return p.ref.digest.empty() && policy && quadlet_scan::pulls_present_image(*policy);
  };
  auto split = std::stable_partition(plan.present.begin(), plan.present.end(),
                                     [&](const PlannedImage& p) { return !floating(p); });
  for (auto it = split; it != plan.present.end(); ++it) {
    it->present.reset();
    plan.to_pull.push_back(std::move(*it));
  }
  plan.present.erase(split, plan.present.end());
}

namespace {

// The outcome that served want: same canonical name and same pull options, as plan_pulls
// deduplicates them.
const core::PullOutcome* outcome_for(const PullWant& want,
                                     const std::vector<core::PullOutcome>& outcomes) {
  auto ref = canonicalize(want.reference);
  if (!ref) {
    return nullptr;
  }
  auto it = std::find_if(outcomes.begin(), outcomes.end(), [&](const core::PullOutcome& o) {
    return o.planned.ref.name() == ref->name() && o.planned.options == want.options;
  });
  return it == outcomes.end() ? nullptr : &*it;
}

std::string unit_of(const PullWant& want) { return want.unit ? want.unit->unit : std::string(); }

}  // namespace

std::expected<ledger::RootRecord, std::string> record_of_root(
    const std::string& root_id, const RootWants& wants,
    const std::vector<core::PullOutcome>& outcomes, const std::string& now) {
  ledger::RootRecord record{root_id, now, {}};
  std::vector<std::string> failures;
  for (const auto& want : wants.wants) {
    const core::PullOutcome* outcome = outcome_for(want, outcomes);
    if (outcome == nullptr || !outcome->image) {
      const std::string reason =
          outcome != nullptr && outcome->error ? *outcome->error : "not pulled";
      failures.push_back(fmt::format("{} for {}: {}", want.reference, want.wanted_by, reason));
      continue;
    }
    record.images.push_back(ledger::BoundImage{unit_of(want), want.reference, outcome->digest,
                                               outcome->image->id, now, want.key, want.named_at});
  }
  if (!failures.empty()) {
    std::string message = fmt::format("cannot bind {}: ", root_id);
    for (std::size_t i = 0; i < failures.size(); ++i) {
      message += (i == 0 ? "" : "; ") + failures[i];
    }
    return std::unexpected(message);
  }
  return record;
}

}  // namespace rootpin::core
