#pragma once
// Image references as podman stores them, and finding a requested reference in one
// listing of the store. Pure.

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/image_store.hpp"

namespace rootpin::core {

struct CanonicalRef {
  std::string as_written;
  std::string repository;   // "docker.io/library/alpine", "quay.io/acme/web"
  std::string tag;          // "" when the reference has a digest and no tag
  std::string digest;       // "" when absent
  bool short_name = false;  // written without a registry: podman resolves it

  // "repo@digest" when pinned by digest, "repo:tag" otherwise.
  std::string name() const;
};

// Validates with quadlet_scan::parse_image_ref (error: "invalid image reference
// 'x': why"), then applies podman's defaults: docker.io for a short name, library/ for
// a single-component docker.io path, :latest when there is neither tag nor digest.
std::expected<CanonicalRef, std::string> canonicalize(std::string_view reference);

// Whether `image` answers `ref`: a digest reference by RepoDigests, a tag reference by
// Names. A short name also matches its localhost/ form.
bool matches(const CanonicalRef& ref, const core::StoredImage& image);

// The first image of the listing that answers ref.
std::optional<core::StoredImage> find_image(const CanonicalRef& ref,
                                            const std::vector<core::StoredImage>& listing);

// The manifest digest the store records for ref's repository in `image` (RepoDigests),
// falling back to the image's Digest.
std::string digest_for(const CanonicalRef& ref, const core::StoredImage& image);

// "sha256:<64 hex>" (also accepts the bare 64 hex): whether `text` names a digest rather
// than a reference, for `unpin DIGEST`.
bool looks_like_digest(std::string_view text);

// The first 12 hex of an image ID, as podman shows it.
std::string short_id(const std::string& id);

}  // namespace rootpin::core
