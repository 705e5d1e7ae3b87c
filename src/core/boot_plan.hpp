#pragma once
// `rootpin boot`, pure: which tags of rootpin's store must move so that the booted root's
// bound references name the images that root was bound with. A floating tag may have been
// moved by a later root's bind; after a rollback this puts it back.

#include <string>
#include <vector>

#include "src/core/image_store.hpp"
#include "src/ledger/ledger.hpp"

namespace rootpin::core {

struct Retag {
  std::string image_id;  // the image recorded for the root
  std::string name;      // "quay.io/acme/web:1.4": the tag it must carry
};

struct BootPlan {
  std::vector<Retag> retags;         // only the tags not already right
  std::vector<std::string> missing;  // bound images the store no longer has, each named
  std::size_t already_right = 0;
};

// Digest references never float and are left alone; each tag is planned once.
BootPlan plan_boot(const ledger::RootRecord& record, const std::vector<core::StoredImage>& listing);

}  // namespace rootpin::core
