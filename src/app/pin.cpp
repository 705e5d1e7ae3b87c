#include "src/app/pin.hpp"

#include <fmt/format.h>

#include "base/error.hpp"

#include "base/time.hpp"
#include "src/core/pull_plan.hpp"
#include "src/core/reference.hpp"
#include "src/log/log.hpp"

namespace rootpin::app {

PinReport pin(Context& ctx, const PinRequest& request, Events& events) {
  auto ref = core::canonicalize(request.reference);
  if (!ref) {
    throw util::Error(ref.error());
  }
  // The lock is held from the listing to the save, so a gc cannot remove the image between.
  auto writer = ctx.open_ledger_for_writing();
  auto& store = ctx.image_store();
  auto plan = core::plan_pulls({{request.reference, request.pull, "admin pin"}}, store.list());
  if (!plan) {
    throw util::Error(plan.error());
  }
  auto outcomes =
      run_pulls(store, *plan, ctx.puller_options(), [&](const PullEvent& e) { events.pull(e); });
  const auto& outcome = outcomes.at(0);
  if (outcome.error) {
    throw util::Error(*outcome.error);
  }
  ledger::AdminPin record{ref->name(), outcome.digest, outcome.image->id, request.reason,
                          util::now_rfc3339()};
  writer.ledger.add_or_update_pin(record);
  writer.save();
  log::emit(log::Event::ImagePinned, log::Priority::Notice,
            fmt::format("pinned {} ({})", record.reference, record.digest),
            {.root = "", .image = record.reference, .digest = record.digest});
  return PinReport{std::move(record), outcome.pulled};
}

UnpinReport unpin(Context& ctx, const std::string& what) {
  auto writer = ctx.open_ledger_for_writing();
  UnpinReport report;
  auto& removed = report.removed;
  auto take = [&](std::string_view key) {
    while (const auto* pin = writer.ledger.find_pin(key)) {
      removed.push_back(*pin);
      if (writer.ledger.remove_pin(removed.back().reference) == 0) {
        break;
      }
    }
  };
  take(what);
  if (removed.empty() && !core::looks_like_digest(what)) {
    if (auto ref = core::canonicalize(what)) {
      take(ref->name());
    }
  }
  if (removed.empty()) {
    throw util::Error::format("no admin pin matches '{}' (see rootpin status)", what);
  }
  writer.save();
  for (const auto& pin : removed) {
    log::emit(log::Event::ImageUnpinned, log::Priority::Notice,
              fmt::format("unpinned {} ({})", pin.reference, pin.digest),
              {.root = "", .image = pin.reference, .digest = pin.digest});
  }
  return report;
}

}  // namespace rootpin::app
