#include "src/app/keep_holds.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "base/error.hpp"
#include "base/time.hpp"
#include "src/app/holds.hpp"
#include "src/app/puller.hpp"
#include "src/core/reference.hpp"
#include "src/log/log.hpp"

namespace rootpin::app {

namespace {

std::string who(const core::Hold& h) {
  return h.kind == core::HoldKind::AdminPin ? "admin pin " + h.reference : h.holder();
}

// The reference a lost image is pulled again by: the recorded digest (the holder was bound
// with that image, not with whatever the tag names today).
std::string exact_reference(const core::Hold& hold) {
  auto ref = core::canonicalize(hold.reference);
  if (ref && ref->digest.empty() && !hold.digest.empty()) {
    return ref->repository + "@" + hold.digest;
  }
  return hold.reference;
}

quadlet_scan::PullOptions options_for(const core::Hold& hold,
                                      const std::vector<core::PullWant>& known) {
  auto ref = core::canonicalize(hold.reference);
  for (const auto& k : known) {
    auto other = core::canonicalize(k.reference);
    if (ref && other && ref->repository == other->repository) {
      return k.options;
    }
  }
  return {};
}

// Pulls the lost images again and puts their tags back; returns how many came back. What it
// pulls goes into `undo` (when given) before anything else can fail.
std::size_t repull(Context& ctx, ledger::Ledger& ledger, const std::vector<core::Hold>& lost,
                   Events& events, const std::vector<core::PullWant>& known, StoreUndo* undo) {
  auto& store = ctx.image_store();
  std::vector<core::PullWant> wants;
  wants.reserve(lost.size());
  for (const auto& h : lost) {
    wants.push_back({exact_reference(h), options_for(h, known), who(h)});
  }
  auto plan = core::plan_pulls(wants, store.list());
  if (!plan) {
    log::warning(fmt::format("cannot pull lost images again: {}", plan.error()));
    return 0;
  }
  auto outcomes = run_pulls(store, *plan, ctx.puller_options(), {});
  record_pulled(ledger, store.pin_mode(), outcomes);
  if (undo != nullptr) {
    undo->pulled(outcomes);
  }
  std::size_t back = 0;
  for (const auto& o : outcomes) {
    const std::string holders = fmt::format("{}", fmt::join(o.planned.wanted_by, ", "));
    if (o.error) {
      log::error(fmt::format("{} was removed from the store and pulling it again for {} failed: {}",
                             o.planned.ref.as_written, holders, *o.error));
      continue;
    }
    ++back;
    events.image_restored(o.planned.ref.as_written, o.planned.wanted_by);
    log::emit(log::Event::ImagePinned, log::Priority::Notice,
              fmt::format("re-pulled {} for {}: it was gone from the store",
                          o.planned.ref.as_written, holders),
              {.root = "", .image = o.planned.ref.as_written, .digest = o.digest});
    // The holder's own name (a tag) again, so that its unit finds the image.
    for (const auto& h : lost) {
      auto ref = core::canonicalize(h.reference);
      if (o.image && ref && ref->digest.empty() && exact_reference(h) == o.planned.ref.as_written &&
          std::find(o.image->names.begin(), o.image->names.end(), ref->name()) ==
              o.image->names.end()) {
        store.tag(o.image->id, ref->name());
      }
    }
  }
  return back;
}

}  // namespace

std::vector<core::StoredImage> restore_lost_tags(core::ImageStore& store,
                                                 const std::vector<core::Hold>& holds,
                                                 std::vector<core::StoredImage> listing,
                                                 Events& events, bool dry_run) {
  for (const auto& lost : core::plan_lost_tags(holds, listing)) {
    const auto& [hold, retag] = lost;
    if (!dry_run) {
      store.tag(retag.image_id, retag.name);
      log::notice(fmt::format("put tag {} back on image {} for {}: it was removed from the image "
                              "(podman rmi of one of its tags)",
                              retag.name, core::short_id(retag.image_id), who(hold)),
                  log::Fields{hold.root, hold.reference, hold.digest});
    }
    events.retagged(hold.kind == core::HoldKind::AdminPin ? "admin pin" : hold.root, retag);
    for (auto& image : listing) {
      if (image.id == retag.image_id) image.names.push_back(retag.name);
    }
  }
  return listing;
}

void record_pulled(ledger::Ledger& ledger, core::PinMode mode,
                   const std::vector<core::PullOutcome>& outcomes) {
  if (mode == core::PinMode::Store) {
    return;
  }
  for (const auto& o : outcomes) {
    if (o.new_image && o.image) {
      ledger.add_pulled({o.image->id, o.planned.ref.as_written, util::now_rfc3339()});
    }
  }
}

std::vector<core::StoredImage> hold_new_record(Context& ctx, ledger::Ledger& ledger,
                                               const ledger::RootRecord& record,
                                               const std::vector<core::PullOutcome>& outcomes,
                                               std::vector<core::StoredImage> listing,
                                               Events& events, StoreUndo& undo) {
  ledger::Ledger next = ledger;
  next.set_root(record);
  record_pulled(next, ctx.image_store().pin_mode(), outcomes);
  undo.pulled(outcomes);
  auto kept = keep_holds(ctx, next, std::move(listing), holds_from_ledger(ledger), events,
                         wants_of(outcomes), &undo);
  ledger.pulled = next.pulled;
  return std::move(kept.listing);
}

std::vector<core::PullWant> wants_of(const std::vector<core::PullOutcome>& outcomes) {
  std::vector<core::PullWant> wants;
  wants.reserve(outcomes.size());
  for (const auto& o : outcomes) {
    wants.push_back({o.planned.ref.as_written, o.planned.options, ""});
  }
  return wants;
}

KeptHolds keep_holds(Context& ctx, ledger::Ledger& ledger, std::vector<core::StoredImage> listing,
                     const std::vector<core::Hold>& before, Events& events,
                     const std::vector<core::PullWant>& known, StoreUndo* undo) {
  auto& store = ctx.image_store();
  const auto holds = holds_from_ledger(ledger);
  KeptHolds kept;
  const auto containers = store.containers();
  auto plan = core::plan_holding(store.pin_mode(), holds, listing, containers);
  if (!plan.lost_image.empty()) {
    kept.repulled = repull(ctx, ledger, plan.lost_image, events, known, undo);
    listing = store.list();
    plan = core::plan_holding(store.pin_mode(), holds, listing, containers);
    kept.still_lost = plan.lost_image;
  }
  listing = restore_lost_tags(store, holds, std::move(listing), events);
  for (std::size_t i = 0; i < plan.create.size(); ++i) {
    const auto& p = plan.create[i];
    const auto& hold = plan.lost_placeholder[i];
    store.create_placeholder(p);
    ++kept.placeholders_created;
    const bool is_new = std::none_of(before.begin(), before.end(), [&](const core::Hold& b) {
      return b.root == hold.root && core::holder_label(b) == core::holder_label(hold) &&
             b.image_id == hold.image_id;
    });
    if (undo != nullptr && is_new) {
      undo->created(p);
    } else if (undo != nullptr) {
      undo->recreated(p);  // a repair stays unless its image is taken back (StoreUndo)
    }
    if (is_new) {
      log::debug(fmt::format("placeholder {} holds {} for {}", p.name, core::short_id(p.image_id),
                             who(hold)));
      continue;
    }
    events.placeholder_recreated(hold, p);
    log::notice(fmt::format("re-created placeholder {} holding {} for {}: it was removed", p.name,
                            hold.reference, who(hold)),
                log::Fields{hold.root, hold.reference, hold.digest});
  }
  kept.listing = std::move(listing);
  return kept;
}

}  // namespace rootpin::app
