#include "src/app/image_release.hpp"

#include <algorithm>

namespace rootpin::app {

core::NameOwnership names_owned(const ledger::Ledger& ledger, core::PinMode mode,
                                const std::string& id) {
  core::NameOwnership ownership;
  if (mode == core::PinMode::Store) {
    ownership.every_name = true;
    return ownership;
  }
  for (const auto& p : ledger.pulled) {
    if (p.image_id == id) {
      ownership.references.insert(p.reference);
      ownership.references.insert(p.names.begin(), p.names.end());
    }
  }
  // The holds the ledger has now (ledger.pulled's names keep those it had before).
  for (const auto& [root_id, root] : ledger.roots) {
    for (const auto& image : root.images) {
      if (image.image_id == id) ownership.references.insert(image.reference);
    }
  }
  for (const auto& pin : ledger.pins) {
    if (pin.image_id == id) ownership.references.insert(pin.reference);
  }
  return ownership;
}

void release_images(core::ImageStore& store, const std::vector<core::ImageRelease>& releases) {
  // Every untag before the rmi: podman refuses the rmi of an image with two names.
  std::vector<std::string> ids;
  for (const auto& release : releases) {
    for (const auto& name : release.untag) {
      store.untag(release.image.id, name);
    }
    if (release.removes_image()) {
      ids.push_back(release.image.id);
    }
  }
  if (!ids.empty()) {
    store.remove(ids);
  }
}

void remove_own_images(core::ImageStore& store, const std::vector<std::string>& ids) {
  if (ids.empty()) {
    return;
  }
  const core::NameOwnership every_name{.every_name = true, .references = {}};
  std::vector<core::ImageRelease> releases;
  for (const auto& image : store.list()) {
    if (std::find(ids.begin(), ids.end(), image.id) != ids.end()) {
      releases.push_back(core::plan_release(image, every_name));
    }
  }
  release_images(store, releases);
}

}  // namespace rootpin::app
