#pragma once
// Where pinned images live: rootpin's own containers-storage, behind an interface so the
// commands and the puller can be unit-tested with a fake.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quadlet-scan/scanner.hpp"
#include "src/core/pin_mode.hpp"

namespace rootpin::core {

struct StoredImage {
  std::string id;                         // full 64-hex image ID
  std::vector<std::string> names;         // "quay.io/acme/web:1.4", ...
  std::vector<std::string> repo_digests;  // "quay.io/acme/web@sha256:..."
  std::string digest;                     // manifest digest "sha256:..." ("" if unknown)
  std::uint64_t size = 0;                 // bytes, as podman reports it

  bool operator==(const StoredImage&) const = default;
};

// A container of the store, as `podman ps -a` lists it.
struct StoredContainer {
  std::string id;
  std::string name;
  std::string image_id;
  std::map<std::string, std::string> labels;

  bool operator==(const StoredContainer&) const = default;
};

// A created, never-started container that keeps one holder's image (pin mode system).
struct Placeholder {
  std::string name;                           // rootpin-hold-...
  std::string image_id;                       // created from the image ID, never a name
  std::map<std::string, std::string> labels;  // io.rootpin.holder, .root, .digest, .reference

  bool operator==(const Placeholder&) const = default;
};

struct PullRequest {
  std::string reference;  // validated, as written (transport allowed)
  quadlet_scan::PullOptions options;
  std::chrono::seconds timeout{600};
};

struct PulledImage {
  std::string id;
};

class ImageStore {
public:
  virtual ~ImageStore() = default;

  // Every image in the store, with ONE podman call.
  virtual std::vector<StoredImage> list() = 0;
  // The store's images without running podman, when the store can vouch that nothing has
  // changed them since its last listing (the podman adapter's listing cache); nullopt
  // otherwise, and by default.
  virtual std::optional<std::vector<StoredImage>> cached_listing() { return std::nullopt; }
  // One attempt (the puller retries). Throws util::Error naming the reference and
  // carrying podman's reason.
  virtual PulledImage pull(const PullRequest& request) = 0;
  // Removes a batch of images in ONE podman call. Throws util::Error when any of them
  // could not be removed (the others may be gone: list again to know).
  virtual void remove(const std::vector<std::string>& ids) = 0;
  virtual void tag(const std::string& id, const std::string& name) = 0;
  virtual void untag(const std::string& id, const std::string& name) = 0;
  // The store directory (for free-space checks and messages).
  virtual std::string store_path() const = 0;

  // How this store pins (core/holding.hpp decides what each mode needs).
  virtual PinMode pin_mode() const = 0;
  // Every container of the store (placeholders and the host's), with ONE podman call. Pin
  // mode store: rootpin's own store runs no containers, so none and no podman call.
  virtual std::vector<StoredContainer> containers() = 0;
  // Creates a placeholder (never started, no network, --pull=never). Throws util::Error
  // naming it; pin mode store has no placeholders and refuses.
  virtual void create_placeholder(const Placeholder& placeholder) = 0;
  // Removes containers by name or ID in ONE podman call. Throws util::Error when any could
  // not be removed (the others may be gone).
  virtual void remove_containers(const std::vector<std::string>& names) = 0;
};

}  // namespace rootpin::core
