#pragma once
// How an image that rootpin decided to remove loses its names. podman removes an image by
// its ID only while it carries one name at most ("please force removal"; `rmi --force` would
// remove the containers that use it too, never an option): the other names are untagged
// first. Only rootpin's own names: in pin mode system podman's store is shared with the
// admin, and a name rootpin never gave the image (an admin's `podman tag`) is the admin's,
// so the image stays with it. Pure.
//
// Crash safety: the untags come before the one `rmi`, and the name kept for the rmi is one
// of rootpin's, so a crash in between leaves an image that the next gc still finds unheld
// and rootpin's (its ledger.pulled entry goes only after the rmi), and removes.

#include <set>
#include <string>
#include <vector>

#include "src/core/image_store.hpp"

namespace rootpin::core {

// Which names of a store's images are rootpin's.
struct NameOwnership {
  // Pin mode store, and an image this run brought itself: every name.
  bool every_name = false;
  // Otherwise: the references rootpin pulled or held the image by, as written; a name is
  // rootpin's when it is one of them canonicalized, or a digest name of one's repository.
  std::set<std::string> references;
};

struct ImageRelease {
  StoredImage image;
  std::vector<std::string> untag;    // rootpin's names to untag before the rmi
  std::vector<std::string> foreign;  // names that are not rootpin's: the image stays

  bool removes_image() const { return foreign.empty(); }
};

// Whether `name` (as podman lists it) is one of rootpin's by `ownership`.
bool owns_name(const NameOwnership& ownership, const std::string& name);

// Removable (no foreign name): every name of rootpin's but one untagged, a tag before a
// digest name, so that a crash in between leaves the digest name. With a foreign name:
// every name of rootpin's untagged, the image left to the foreign ones.
ImageRelease plan_release(const StoredImage& image, const NameOwnership& ownership);

}  // namespace rootpin::core
