#pragma once
// Removing the images rootpin decided to remove (gc, a failed command taking back what it
// pulled), the one way every caller does it: core::plan_release says which names go; this
// untags them, then removes the images left with one name of rootpin's in ONE `podman rmi`
// by ID. Never `rmi --force` (it would remove the containers using an image too).

#include <string>
#include <vector>

#include "src/core/image_release.hpp"
#include "src/core/image_store.hpp"
#include "src/core/pin_mode.hpp"
#include "src/ledger/ledger.hpp"

namespace rootpin::app {

// The names of image `id` that are rootpin's: pin mode store every name (the store is
// rootpin's); pin mode system the references its ledger.pulled entry and its holds name.
core::NameOwnership names_owned(const ledger::Ledger& ledger, core::PinMode mode,
                                const std::string& id);

// Untags, then removes the images without a foreign name (ONE podman rmi). Throws
// util::Error when a podman call fails (some images may have gone: list again to know).
void release_images(core::ImageStore& store, const std::vector<core::ImageRelease>& releases);

// Removes images this command brought into the store itself, whatever names they carry
// now (its pulls gave them), as the store lists them now. Throws as release_images.
void remove_own_images(core::ImageStore& store, const std::vector<std::string>& ids);

}  // namespace rootpin::app
