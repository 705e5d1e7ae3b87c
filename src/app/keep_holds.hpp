#pragma once
// After every write of the ledger's holds (bind, upgrade, pin) and at boot: make the store
// keep what the ledger holds - the same call in both pin modes; core/holding.hpp decides
// what each needs. Crash ordering: pull, then placeholder, then record - callers put the
// new record into the ledger in memory, call keep_holds, then save.

#include <cstddef>
#include <vector>

#include "src/app/context.hpp"
#include "src/app/events.hpp"
#include "src/app/store_undo.hpp"
#include "src/core/holding.hpp"
#include "src/core/pull_outcome.hpp"
#include "src/core/pull_plan.hpp"
#include "src/ledger/ledger.hpp"

namespace rootpin::app {

struct KeptHolds {
  std::size_t placeholders_created = 0;    // new holds' and lost ones'
  std::size_t repulled = 0;                // images a prune took, pulled again
  std::vector<core::Hold> still_lost;      // images that could not be pulled again
  std::vector<core::StoredImage> listing;  // the store afterwards
};

// Every hold of `ledger` (admin pins and root records): an image gone from the store is
// pulled again by its recorded digest (its tag put back), a tag removed from an image that
// is still there is put back (restore_lost_tags), with the pull options of a
// `known` want of the same repository (the units this run scanned), and a missing
// placeholder (pin mode system) is created. Repairs of holds that were in `before` (the
// holds as the ledger was loaded) are told to `events` and logged; new holds get theirs
// quietly. `listing` is the store as the caller last listed it. Images rootpin pulls are
// recorded in ledger.pulled and, with the placeholders it creates, go into `undo` (when
// given) as they come: StoreUndo keeps the repairs of the holds in `before` that the saved
// ledger records.
// Throws util::Error when a placeholder cannot be created.
KeptHolds keep_holds(Context& ctx, ledger::Ledger& ledger, std::vector<core::StoredImage> listing,
                     const std::vector<core::Hold>& before, Events& events,
                     const std::vector<core::PullWant>& known = {}, StoreUndo* undo = nullptr);

// Puts the holders' lost tags (core::plan_lost_tags) back on their recorded images, each told
// to `events` and logged, and returns `listing` with them; a dry run changes only the
// returned listing. No podman run when nothing is lost. Throws util::Error when podman
// cannot tag.
std::vector<core::StoredImage> restore_lost_tags(core::ImageStore& store,
                                                 const std::vector<core::Hold>& holds,
                                                 std::vector<core::StoredImage> listing,
                                                 Events& events, bool dry_run = false);

// Records the images a run brought into the store (PullOutcome::new_image) as rootpin's own
// (pin mode system: gc may remove only those; another name pulled for an image the host had
// leaves it the host's); pin mode store records nothing (every image of its store is
// rootpin's).
void record_pulled(ledger::Ledger& ledger, core::PinMode mode,
                   const std::vector<core::PullOutcome>& outcomes);

// Before a root's record is saved (pull, then placeholder, then record): keeps the holds of
// the ledger with `record` in it (placeholders, lost images) and puts the images this bind
// pulled into writer.ledger.pulled; the caller then records the root and saves. What it
// creates goes into `undo`, which takes it back if the command fails before the save.
// Returns the store afterwards.
std::vector<core::StoredImage> hold_new_record(Context& ctx, ledger::Ledger& ledger,
                                               const ledger::RootRecord& record,
                                               const std::vector<core::PullOutcome>& outcomes,
                                               std::vector<core::StoredImage> listing,
                                               Events& events, StoreUndo& undo);

// The wants behind pull outcomes (references and pull options), for keep_holds' `known`.
std::vector<core::PullWant> wants_of(const std::vector<core::PullOutcome>& outcomes);

}  // namespace rootpin::app
