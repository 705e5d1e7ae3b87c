#include "src/app/store_undo.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "base/error.hpp"
#include "src/app/holds.hpp"
#include "src/core/reference.hpp"
#include "src/log/log.hpp"

namespace rootpin::app {

StoreUndo::StoreUndo(core::ImageStore& store, const LedgerWriter* writer, std::string what)
    : store_(store),
      writer_(writer),
      saves_(writer != nullptr ? writer->saves : 0),
      what_(std::move(what)) {
  if (writer != nullptr) {
    for (const auto& hold : holds_from_ledger(writer->ledger)) {
      held_.push_back(hold.image_id);
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
    if (writer_ != nullptr && o.new_image && o.image &&
        std::find(images_.begin(), images_.end(), o.image->id) == images_.end()) {
      images_.push_back(o.image->id);
    }
  }
}

void StoreUndo::created(const core::Placeholder& placeholder) {
  if (writer_ != nullptr) {
    placeholders_.push_back(placeholder.name);
  }
}

void StoreUndo::undo() noexcept {
  if (placeholders_.empty() && images_.empty()) {
    return;
  }
  try {
    // Placeholder, then image: an image is removed only once nothing of ours holds it.
    if (!placeholders_.empty()) {
      store_.remove_containers(placeholders_);
      log::notice(fmt::format("{} failed: removed the placeholder(s) it created: {}", what_,
                              fmt::join(placeholders_, ", ")));
      placeholders_.clear();
    }
    remove_images();
  } catch (...) {
    log::warning(fmt::format(
        "{} failed and could not take back what it added to the store: {}; placeholders {} and "
        "images {} stay (podman rm / podman rmi remove them)",
        what_, util::current_error().what(),
        placeholders_.empty() ? "-" : fmt::format("{}", fmt::join(placeholders_, ", ")),
        images_.empty() ? "-" : fmt::format("{}", fmt::join(images_, ", "))));
  }
}

// The images this command brought that no loaded hold names and no container uses (pin mode
// system: a repaired placeholder, or a container the host created from one meanwhile, keeps
// it; pin mode store has no containers).
void StoreUndo::remove_images() {
  if (images_.empty()) {
    return;
  }
  const auto containers = store_.containers();
  std::vector<std::string> unused;
  for (const auto& id : images_) {
    const bool held = std::find(held_.begin(), held_.end(), id) != held_.end();
    if (!held && std::none_of(containers.begin(), containers.end(),
                              [&](const core::StoredContainer& c) { return c.image_id == id; })) {
      unused.push_back(id);
    } else {
      log::notice(fmt::format("{} failed: image {} it pulled stays: {}", what_, core::short_id(id),
                              held ? "a hold of the ledger names it" : "a container uses it"));
    }
  }
  if (unused.empty()) {
    return;
  }
  store_.remove(unused);
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
