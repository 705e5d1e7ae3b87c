#pragma once
// `rootpin check`, pure: is every image that the checked roots and the admin pins hold in
// rootpin's store at the digest recorded for it? Decided from the ledger and ONE listing
// of the store; nothing is pulled, so it runs offline (greenboot runs it at every boot).
//
//   missing: no image of the store is the recorded image (by ID, or by digest when the
//            record has no ID): removed behind rootpin's back (podman rmi in the store,
//            a damaged store, a store from a backup).
//   moved:   the booted root runs a tag, and that tag in the store names an image other
//            than the one the root was bound with (or no image at all): its containers
//            would start something else. Only the booted root's tags are held to this
//            (two roots may bind one tag at different digests; `rootpin boot` points the
//            tag at the booted root's).
//   untagged: the tag another holder names is on no image any more, while its image is
//            there (`podman rmi` of one of several tags of the image): a unit naming the
//            tag would pull it again. The booted root's tags are checked as `moved`.
//   lost placeholder (pin mode system): the image is there but the holder's placeholder
//            container is gone (`podman container prune`, `system prune`, `rm`), so
//            nothing keeps `podman rmi` or `image prune -a` from taking the image.

#include <optional>
#include <string>
#include <vector>

#include "src/core/hold.hpp"
#include "src/core/image_store.hpp"
#include "src/ledger/ledger.hpp"

namespace rootpin::core {

struct CheckProblem {
  enum class Kind { Missing, Moved, LostPlaceholder, Untagged };
  Kind kind = Kind::Missing;
  Hold hold;                     // a unit of a checked root, or an admin pin
  std::string message;           // names the image, its holder and what is wrong
  std::string placeholder = {};  // LostPlaceholder: the name the placeholder had
};

struct CheckReport {
  std::vector<std::string> roots;  // the roots checked, in order
  std::size_t checked = 0;         // images checked (one may have two problems)
  std::vector<Hold> ok;
  std::vector<CheckProblem> problems;
  bool passed() const { return problems.empty(); }
};

// What check reads of the store: ONE listing of its images and, in pin mode system, ONE of
// its containers (the placeholders). Pin mode store has no placeholders to check.
struct CheckedStore {
  PinMode mode = PinMode::Store;
  std::vector<StoredImage> listing;
  std::vector<StoredContainer> containers;
};

// roots: the ids of the roots to check (each with a record in the ledger; the others are
// left out); booted: the booted root's id, whose tags must name its images.
CheckReport plan_check(const ledger::Ledger& ledger, const std::vector<std::string>& roots,
                       const std::optional<std::string>& booted, const CheckedStore& store);

std::string_view to_string(CheckProblem::Kind kind);

}  // namespace rootpin::core
