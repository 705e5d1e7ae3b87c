#include "src/app/pin.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "base/error.hpp"

#include "base/time.hpp"
#include "src/app/bind_root.hpp"
#include "src/app/holds.hpp"
#include "src/app/keep_holds.hpp"
#include "src/core/pull_plan.hpp"
#include "src/core/reference.hpp"
#include "src/log/log.hpp"

namespace rootpin::app {

PinReport pin(Context& ctx, const PinRequest& request, Events& events) {
  std::vector<core::PullWant> wants;
  for (const auto& reference : request.references) {
    if (auto ref = core::canonicalize(reference); !ref) throw util::Error(ref.error());
    wants.push_back({reference, request.pull, "admin pin"});
  }
  // The lock is held from the listing to the save, so a gc cannot remove an image between.
  auto writer = ctx.open_ledger_for_writing();
  auto& store = ctx.image_store();
  StoreUndo undo(store, &writer, "the pin");
  auto listing = store.list();
  auto plan = core::plan_pulls(wants, listing);
  if (!plan) {
    throw util::Error(plan.error());
  }
  auto outcomes =
      run_pulls(store, *plan, ctx.puller_options(), [&](const PullEvent& e) { events.pull(e); });
  std::vector<std::string> failures;
  for (const auto& o : outcomes) {
    if (o.error) failures.push_back(fmt::format("{}: {}", o.planned.ref.as_written, *o.error));
  }
  if (!failures.empty()) {
    remove_pulled(store, outcomes);
    throw util::Error(fmt::format("nothing pinned: {} of {} reference{} failed: {}",
                                  failures.size(), outcomes.size(), outcomes.size() == 1 ? "" : "s",
                                  fmt::join(failures, "; ")));
  }
  PinReport report;
  const std::string now = util::now_rfc3339();
  const auto before = holds_from_ledger(writer.ledger);
  for (const auto& o : outcomes) {
    ledger::AdminPin record{o.planned.ref.name(), o.digest, o.image->id, request.reason, now};
    writer.ledger.add_or_update_pin(record);
    report.pinned.push_back({std::move(record), o.pulled});
  }
  // Pull, then placeholder (pin mode system), then record; lost holds are repaired too.
  record_pulled(writer.ledger, store.pin_mode(), outcomes);
  undo.pulled(outcomes);
  for (const auto& o : outcomes) {
    if (o.pulled) {
      std::erase_if(listing, [&](const auto& img) { return img.id == o.image->id; });
      listing.push_back(*o.image);
    }
  }
  keep_holds(ctx, writer.ledger, std::move(listing), before, events, wants_of(outcomes), &undo);
  writer.save();
  for (const auto& [record, pulled] : report.pinned) {
    log::emit(log::Event::ImagePinned, log::Priority::Notice,
              fmt::format("pinned {} ({})", record.reference, record.digest),
              {.root = "", .image = record.reference, .digest = record.digest});
  }
  return report;
}

UnpinReport unpin(Context& ctx, const std::vector<std::string>& args) {
  auto writer = ctx.open_ledger_for_writing();
  UnpinReport report;
  auto& removed = report.removed;
  std::vector<std::string> unmatched;
  auto take = [&](std::string_view key) {
    while (const auto* pin = writer.ledger.find_pin(key)) {
      removed.push_back(*pin);
      if (writer.ledger.remove_pin(removed.back().reference) == 0) {
        break;
      }
    }
  };
  for (const auto& what : args) {
    const std::size_t before = removed.size();
    take(what);
    if (removed.size() == before && !core::looks_like_digest(what)) {
      if (auto ref = core::canonicalize(what)) {
        take(ref->name());
      }
    }
    // An argument whose pin an earlier argument already took (a reference and its
    // digest) still matched.
    const bool matched_earlier =
        std::any_of(removed.begin(), removed.begin() + static_cast<std::ptrdiff_t>(before),
                    [&](const ledger::AdminPin& p) {
                      return p.reference == what || p.digest == what || p.image_id == what;
                    });
    if (removed.size() == before && !matched_earlier) unmatched.push_back(what);
  }
  if (!unmatched.empty()) {
    throw util::Error(fmt::format("nothing unpinned: no admin pin matches {} (see rootpin status)",
                                  fmt::join(unmatched, ", ")));
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
