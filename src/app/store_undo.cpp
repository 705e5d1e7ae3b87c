#include "src/app/store_undo.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "base/error.hpp"
#include "src/app/holds.hpp"
#include "src/app/image_release.hpp"
#include "src/core/reference.hpp"
#include "src/log/log.hpp"

namespace rootpin::app {

namespace {

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

StoreUndo::StoreUndo(core::ImageStore& store, const LedgerWriter* writer, std::string what)
    : store_(store),
      writer_(writer),
      saves_(writer != nullptr ? writer->saves : 0),
      what_(std::move(what)) {
  if (writer == nullptr) {
    return;
  }
  // Pin mode system: an image the saved ledger.pulled does not name is not gc's to remove.
  const auto recorded = writer->ledger.pulled_ids();
  const bool all_ours = store.pin_mode() == core::PinMode::Store;
  for (const auto& hold : holds_from_ledger(writer->ledger)) {
    if (all_ours || recorded.contains(hold.image_id)) {
      kept_.push_back(hold.image_id);
    }
  }
}

StoreUndo::~StoreUndo() {
  if (writer_ != nullptr && writer_->saves == saves_) {
    undo();
  }
}

void StoreUndo::pulled(const std::vector<core::PullOutcome>& outcomes) {
  for (const auto& o : outcomes) {
    if (writer_ != nullptr && o.new_image && o.image && !contains(images_, o.image->id)) {
      images_.push_back(o.image->id);
    }
  }
}

void StoreUndo::created(const core::Placeholder& placeholder) {
  if (writer_ != nullptr) {
    placeholders_.push_back(placeholder.name);
  }
}

void StoreUndo::recreated(const core::Placeholder& placeholder) {
  if (writer_ != nullptr) {
    recreated_.push_back(placeholder);
  }
}

void StoreUndo::undo() noexcept {
  if (placeholders_.empty() && images_.empty()) {
    return;
  }
  try {
    const auto images = images_to_remove();
    // Placeholder, then image: an image is removed only once nothing of ours holds it. A
    // re-created placeholder goes only with its image (the hold was without both before).
    auto names = placeholders_;
    for (const auto& p : recreated_) {
      if (contains(images, p.image_id)) names.push_back(p.name);
    }
    if (!names.empty()) {
      store_.remove_containers(names);
      log::notice(fmt::format("{} failed: removed the placeholder(s) it created: {}", what_,
                              fmt::join(names, ", ")));
      placeholders_.clear();
    }
    remove_images(images);
  } catch (...) {
    log::warning(fmt::format(
        "{} failed and could not take back what it added to the store: {}; placeholders {} and "
        "images {} stay (podman rm / podman rmi remove them)",
        what_, util::current_error().what(),
        placeholders_.empty() ? "-" : fmt::format("{}", fmt::join(placeholders_, ", ")),
        images_.empty() ? "-" : fmt::format("{}", fmt::join(images_, ", "))));
  }
}

// The images this command brought that the saved ledger does not keep and no container but
// our placeholders uses (pin mode system: a container the host created from one meanwhile
// keeps it; pin mode store has no containers).
std::vector<std::string> StoreUndo::images_to_remove() const {
  if (images_.empty()) {
    return {};
  }
  std::vector<std::string> ours = placeholders_;
  for (const auto& p : recreated_) ours.push_back(p.name);
  const auto containers = store_.containers();
  std::vector<std::string> unused;
  for (const auto& id : images_) {
    const bool kept = contains(kept_, id);
    if (!kept &&
        std::none_of(containers.begin(), containers.end(), [&](const core::StoredContainer& c) {
          return c.image_id == id && !contains(ours, c.name);
        })) {
      unused.push_back(id);
    } else {
      log::notice(fmt::format("{} failed: image {} it pulled stays: {}", what_, core::short_id(id),
                              kept ? "the saved ledger holds it" : "a container uses it"));
    }
  }
  return unused;
}

void StoreUndo::remove_images(const std::vector<std::string>& unused) {
  if (unused.empty()) {
    return;
  }
  // Its pulls gave the images every name they carry: all go (image_release.hpp).
  remove_own_images(store_, unused);
  std::vector<std::string> short_ids;
  short_ids.reserve(unused.size());
  for (const auto& id : unused) {
    short_ids.push_back(core::short_id(id));
  }
  log::notice(fmt::format("{} failed: removed the image(s) it pulled: {}", what_,
                          fmt::join(short_ids, ", ")));
  images_.clear();
}

}  // namespace rootpin::app
