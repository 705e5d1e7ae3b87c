#pragma once
// Where pinned images live: rootpin's own containers-storage, behind an interface so the
// commands and the puller can be unit-tested with a fake.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quadlet-scan/scanner.hpp"

namespace rootpin::core {

struct StoredImage {
  std::string id;                         // full 64-hex image ID
  std::vector<std::string> names;         // "quay.io/acme/web:1.4", ...
  std::vector<std::string> repo_digests;  // "quay.io/acme/web@sha256:..."
  std::string digest;                     // manifest digest "sha256:..." ("" if unknown)
  std::uint64_t size = 0;                 // bytes, as podman reports it

  bool operator==(const StoredImage&) const = default;
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
};

}  // namespace rootpin::core
