#pragma once
// The pin ledger: what holds each image in rootpin's store. Pure data plus its JSON form;
// reading and writing the file is StateDir's job (state_dir.hpp).
//
// On disk (ledger.json):
//   {
//     "version": 1,
//     "roots": {
//       "fedora/3a8c...e1.0": {
//         "bound_at": "2024-05-01T12:34:56Z",
//         "held_dir": "/srv/image-root",   (only for a root bound with --root)
//         "images": [ { "unit": "web.container", "reference": "quay.io/acme/web:1.4",
//                       "digest": "sha256:...", "image_id": "...", "time": "...",
//                       "key": "Image", "named_at": "/usr/share/.../web.container:2" } ]
//         (one entry per image a unit needs: a unit may have several; "key" and
//          "named_at" are absent in entries written before rootpin knew them)
//       }
//     },
//     "pins": [ { "reference": "...", "digest": "sha256:...", "image_id": "...",
//                 "reason": "...", "time": "..." } ],
//     "pin_mode": "system",                                  (absent: store)
//     "pulled": [ { "image_id": "...", "reference": "...", "time": "...",
//                   "names": [ "quay.io/acme/web:1.4" ] } ]
//   }
// "pulled" (pin mode system only) lists the images rootpin itself pulled into the host's
// store: gc never removes any other image there. "names" (absent when none) are the other
// references rootpin's holds named the image by: its names in podman's store that are
// rootpin's, still known once those holds are gone (gc untags only those; an image with a
// name rootpin does not know stays, core/image_release.hpp).
// Keys this rootpin does not know are ignored (a later rootpin may add some within the same
// version); a different "version" is refused, so an old rootpin never rewrites a newer ledger.

#include <cstddef>
#include <expected>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rootpin::ledger {

// One image a root was bound with: the digest and image ID pulled *for that root* are the
// truth, whatever the reference's tag points at today.
// A unit may need several images (Image=, each Mount=type=image, every image of a
// .kube's YAML): one BoundImage each, with the key and file:line that named it.
struct BoundImage {
  std::string unit;
  std::string reference;
  std::string digest;
  std::string image_id;
  std::string time;
  std::string key = {};       // "Image", "Mount", "Yaml", ...; "" in records written before
  std::string named_at = {};  // "/usr/share/containers/systemd/web.container:4"; "" likewise

  bool operator==(const BoundImage&) const = default;
};

struct RootRecord {
  std::string root_id;  // "<osname>/<checksum>.<serial>"; equals its key in Ledger::roots
  std::string bound_at;
  std::vector<BoundImage> images;
  // The directory of a root bound with `bind --root DIR --root-id ID` (not an ostree
  // deployment): held until `rootpin forget ID`, never retired by gc. Empty for a
  // deployment.
  std::string held_dir = {};

  bool operator==(const RootRecord&) const = default;
};

struct AdminPin {
  std::string reference;
  std::string digest;
  std::string image_id;
  std::string reason;
  std::string time;

  bool operator==(const AdminPin&) const = default;
};

// An image rootpin pulled itself into a store it shares with the host (pin mode system).
struct OwnedImage {
  std::string image_id;
  std::string reference;
  std::string time;
  std::vector<std::string> names = {};  // other references its holds named it by

  bool operator==(const OwnedImage&) const = default;
};

struct Ledger {
  static constexpr int kVersion = 1;

  std::map<std::string, RootRecord> roots;  // key: root id "<osname>/<checksum>.<serial>"
  std::vector<AdminPin> pins;
  std::string pin_mode;            // "system", or "" for store (the default)
  std::vector<OwnedImage> pulled;  // pin mode system: what rootpin pulled itself

  bool operator==(const Ledger&) const = default;

  // Roots.
  const RootRecord* find_root(std::string_view root_id) const;
  // Replaces the record of record.root_id (a root is re-bound as a whole).
  void set_root(RootRecord record);
  // Returns whether there was a record.
  bool remove_root(std::string_view root_id);
  // Removes every root whose id is not in `live` (retired by ostree); returns the removed ids.
  std::vector<std::string> retain_roots(const std::set<std::string>& live);

  // Admin pins. `ref_or_digest` matches a pin's reference, its digest ("sha256:..."), its
  // image ID, or "<name>@<digest>" of it.
  const AdminPin* find_pin(std::string_view ref_or_digest) const;
  // Pins are keyed by reference: pinning the same reference again updates digest, ID and time,
  // and the reason when a new one is given (an empty reason keeps the old one).
  void add_or_update_pin(AdminPin pin);
  // Returns how many pins were removed (0: nothing matched).
  std::size_t remove_pin(std::string_view ref_or_digest);

  // What the ledger holds, over all roots and pins (empty strings left out).
  std::set<std::string> held_image_ids() const;
  std::set<std::string> held_digests() const;
  // Which roots and pins hold a digest, for "held by ..." messages: root ids, and "pin <ref>".
  std::vector<std::string> holders_of_digest(std::string_view digest) const;

  // Images rootpin pulled itself (pin mode system): recorded once per image ID.
  void add_pulled(OwnedImage image);
  std::set<std::string> pulled_ids() const;
  // Adds to each pulled image's names the references of the holds (roots, pins) that name
  // its image ID now, so that they stay known as rootpin's after those holds are dropped.
  void note_pulled_names();
  // Forgets the images whose ID is not in `present` (gone from the store); returns how many.
  std::size_t retain_pulled(const std::set<std::string>& present);
  // Whether anything is held (a root or an admin pin).
  bool holds_anything() const { return !roots.empty() || !pins.empty(); }
};

// Why parsing failed: FutureVersion must not be treated as corruption (the file is fine,
// this rootpin is too old for it), everything else is Corrupt.
struct ParseError {
  enum class Kind { Corrupt, FutureVersion };
  Kind kind;
  std::string message;
};

std::expected<Ledger, ParseError> parse_ledger_detailed(std::string_view json);
// The same, with the message only.
std::expected<Ledger, std::string> parse_ledger(std::string_view json);

// Stable (sorted roots, pins in order), pretty (2-space indent), trailing newline.
std::string serialize_ledger(const Ledger& ledger);

}  // namespace rootpin::ledger
