#include "src/app/gc.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "base/error.hpp"
#include "src/app/holds.hpp"
#include "src/app/image_release.hpp"
#include "src/app/store_view.hpp"
#include "src/core/holding.hpp"
#include "src/core/reference.hpp"
#include "src/log/log.hpp"

namespace rootpin::app {

namespace {

// What gc takes, the same call in both pin modes: the placeholders no hold names (pin mode
// system), and the images nothing holds that are rootpin's to remove (pin mode store: every
// one of its own store; system: only those it pulled itself and no container uses).
struct Collection {
  std::vector<core::StoredContainer> release;
  // Each with the names it loses; one with a name rootpin does not own (an admin's tag, pin
  // mode system) stays, only rootpin's names go (image_release.hpp).
  std::vector<core::ImageRelease> remove;
};

Collection plan_collection(Context& ctx, const ledger::Ledger& ledger,
                           const std::vector<core::StoredImage>& listing,
                           const std::vector<core::Hold>& holds) {
  auto& store = ctx.image_store();
  const auto containers = store.containers();
  const auto plan = core::plan_gc(listing, holds);
  Collection c;
  c.release =
      core::plan_holding(store.pin_mode(), holds_from_ledger(ledger), listing, containers).release;
  for (const auto& image :
       core::removable_images(store.pin_mode(), plan, ledger.pulled_ids(), containers, c.release)) {
    c.remove.push_back(core::plan_release(image, names_owned(ledger, store.pin_mode(), image.id)));
  }
  return c;
}

// Placeholders go before images (ONE podman call); when they cannot, no image goes either.
void release_placeholders(Context& ctx, const Collection& c, GcMode mode, Events& events) {
  std::vector<std::string> names;
  for (const auto& p : c.release) {
    events.placeholder_released(mode == GcMode::DryRun, p);
    names.push_back(p.name);
  }
  if (mode == GcMode::DryRun || names.empty()) {
    return;
  }
  try {
    ctx.image_store().remove_containers(names);
  } catch (const util::Error& e) {
    throw util::Error(fmt::format("gc: {}", e.what()), util::ExitCode::Partial);
  }
}

// Forgets the ledger.pulled entries of images that are gone (removed now, or by the host)
// and of those left to a foreign name (the admin's now), saving the ledger when any went.
// After the podman calls: a crash before this save leaves entries the next gc finishes.
void forget_gone_pulls(LedgerWriter& writer, const std::vector<core::StoredImage>& listing,
                       const std::vector<core::ImageRelease>& released) {
  std::set<std::string> present;
  for (const auto& image : listing) {
    present.insert(image.id);
  }
  for (const auto& release : released) {
    present.erase(release.image.id);
  }
  if (writer.ledger.retain_pulled(present) > 0) {
    writer.save();
  }
}

void require_visible_roots(const Context& ctx, const ledger::Ledger& ledger) {
  const auto deployments = std::count_if(ledger.roots.begin(), ledger.roots.end(),
                                         [](const auto& r) { return r.second.held_dir.empty(); });
  if (deployments == 0) {
    return;  // roots bound with --root are held whatever the sysroot says
  }
  std::string why;
  try {
    if (!ostree::Sysroot::load(ctx.options.sysroot).deployments().empty()) {
      return;
    }
    why = "it has no deployments";
  } catch (const util::Error& e) {
    why = e.what();
  }
  throw util::Error::format(
      "refusing to gc: the ledger records {} root(s) but the sysroot {} cannot be read ({}); "
      "removing images now could take them from a live root",
      deployments, ctx.options.sysroot, why);
}

// Untags, then removes the images in ONE podman call, saying which went. When podman
// removed only some, those are named before the error (exit 3), and the ledger is left for
// the next gc.
void remove_images(Context& ctx, const std::vector<core::ImageRelease>& releases, Events& events) {
  std::vector<core::StoredImage> images;
  for (const auto& release : releases) {
    if (release.removes_image()) images.push_back(release.image);
  }
  try {
    release_images(ctx.image_store(), releases);
  } catch (const util::Error& e) {
    auto left = ctx.image_store().list();
    for (const auto& image : images) {
      if (std::none_of(left.begin(), left.end(), [&](const auto& l) { return l.id == image.id; })) {
        events.gc_image(GcAction::Removed, image);
      }
    }
    throw util::Error(fmt::format("gc: {}", e.what()), util::ExitCode::Partial);
  }
  for (const auto& image : images) {
    events.gc_image(GcAction::Removed, image);
    log::emit(log::Event::GcFreed, log::Priority::Info,
              fmt::format("removed {} from the store (nothing holds it)", core::short_id(image.id)),
              {.root = "",
               .image = image.names.empty() ? image.id : image.names.front(),
               .digest = image.digest});
  }
}

// An image rootpin pulled and nothing holds that also carries a name rootpin never gave it
// (an admin's `podman tag`, pin mode system): the name is the admin's and so is the image
// now. Not a failure (exit 0): leaving it is the safe outcome and all of rootpin's is done.
void warn_foreign_names(const core::ImageRelease& release, GcMode mode) {
  const bool dry = mode == GcMode::DryRun;
  const std::string ours = release.untag.empty()
                               ? std::string("none left")
                               : fmt::format("{}", fmt::join(release.untag, ", "));
  log::warning(
      fmt::format("gc: image {} (pulled by rootpin, held by nothing) also carries {}, not a name "
                  "rootpin gave it: {} rootpin's names ({}) and {} the image to the other name(s)",
                  core::short_id(release.image.id), fmt::join(release.foreign, ", "),
                  dry ? "would untag" : "untagging", ours, dry ? "would leave" : "leaving"),
      log::Fields{"", release.image.id, release.image.digest});
}

// The one collection every gc ends in, with or without an ostree sysroot: placeholders no
// hold names, then the images nothing holds, then the ledger's record of what went.
GcReport collect(Context& ctx, LedgerWriter& writer, const std::vector<core::StoredImage>& listing,
                 const std::vector<core::Hold>& holds, GcMode mode, Events& events) {
  const auto plan = plan_collection(ctx, writer.ledger, listing, holds);
  release_placeholders(ctx, plan, mode, events);
  GcReport report;
  for (const auto& release : plan.remove) {
    if (!release.removes_image()) {
      warn_foreign_names(release, mode);
      continue;
    }
    events.gc_image(mode == GcMode::DryRun ? GcAction::WouldRemove : GcAction::Removing,
                    release.image);
    report.removed.push_back(release.image);
  }
  if (mode == GcMode::DryRun) {
    return report;
  }
  if (!plan.remove.empty()) {
    remove_images(ctx, plan.remove, events);
  }
  forget_gone_pulls(writer, listing, plan.remove);
  return report;
}

}  // namespace

GcReport gc(Context& ctx, GcMode mode, Events& events) {
  // Holding the writer lock: no pin can record an image between the listing and the removal.
  auto writer = ctx.open_ledger_for_writing();
  // On an ostree sysroot: retire the records of gone roots and keep what live roots hold.
  if (auto sysroot = load_sysroot_if_any(ctx.options.sysroot)) {
    return gc_with_roots(ctx, *sysroot, writer, mode, events);
  }
  // Not an ostree sysroot: admin pins (and records, if the sysroot is readable after all)
  // hold images.
  require_visible_roots(ctx, writer.ledger);
  const auto listing = list_store(ctx);
  return collect(ctx, writer, listing, holds_from_ledger(writer.ledger), mode, events);
}

GcReport gc_with_roots(Context& ctx, const ostree::Sysroot& sysroot, LedgerWriter& writer,
                       GcMode mode, Events& events,
                       std::optional<std::vector<core::StoredImage>> known) {
  auto retired = retire_roots(sysroot, writer, mode);
  const auto listing = known ? std::move(*known) : list_store(ctx);
  auto holds = holds_from_ledger(writer.ledger);
  auto extra = holds_of_unrecorded_roots(sysroot, writer.ledger, listing);
  holds.insert(holds.end(), extra.begin(), extra.end());
  auto report = collect(ctx, writer, listing, holds, mode, events);
  report.retired = std::move(retired);
  return report;
}

}  // namespace rootpin::app
