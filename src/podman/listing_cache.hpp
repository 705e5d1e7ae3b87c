#pragma once
// rootpin's memory of its store between runs: the last listing of the store, kept with
// the store's *generation* at that moment, so that `rootpin boot` can decide without
// running podman when nothing has changed the store since.
//
// The generation is a fingerprint of containers-storage's image metadata: for each
// `<driver>-images/` directory of the store, images.json's inode, size and mtime (the
// file is replaced with a rename at every change of an image, its names or its digests,
// by rootpin, podman or an admin alike) and the content of images.lock (where
// containers-storage records each writer). A listing is cached only when the generation
// was the same before and after it; a cached listing is used only while the store's
// generation still equals the one cached with it. So the cache can be stale, never wrong:
// anything that touches the store, whoever runs it, sends rootpin back to podman.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/core/image_store.hpp"

namespace rootpin::podman {

// "" when the store has no image metadata yet (never listed or pulled into).
std::string store_generation(const std::string& store_path);

struct CachedListing {
  std::string generation;
  std::vector<core::StoredImage> images;
};

inline constexpr const char* kListingCacheName = "store-listing.json";
inline constexpr const char* kContainersCacheName = "store-containers.json";

// The same for the store's containers (pin mode system: the placeholders), from each
// `<driver>-containers/` directory's containers.json and containers.lock, which
// containers-storage changes at every create, remove and rename of a container.
std::string containers_generation(const std::string& store_path);
// The cached containers when `generation` (the store's now) is the one cached with them.
std::optional<std::vector<core::StoredContainer>> read_containers_cache(
    const std::string& state_dir, const std::string& generation);
void write_containers_cache(const std::string& state_dir, const std::string& generation,
                            const std::vector<core::StoredContainer>& containers);

// The cached listing in `state_dir`, if there is one and it is readable (a damaged cache
// is no cache: nullopt).
std::optional<CachedListing> read_listing_cache(const std::string& state_dir);
// Replaces it with a rename (0600), without fsync (see the .cpp). Throws util::Error.
void write_listing_cache(const std::string& state_dir, const CachedListing& cache);

// The cached listing when it is still the store's: its generation equals the store's now.
std::optional<std::vector<core::StoredImage>> current_cached_listing(const std::string& state_dir,
                                                                     const std::string& store_path);

// An ImageStore that caches every listing it makes (when the generation held still over
// it) in the state directory, and remembers the last listing for metrics. Failing to
// write the cache (a read-only state dir) is ignored: the cache is an optimization.
class CachingImageStore final : public core::ImageStore {
public:
  CachingImageStore(std::unique_ptr<core::ImageStore> inner, std::string state_dir);

  std::vector<core::StoredImage> list() override;
  std::optional<std::vector<core::StoredImage>> cached_listing() override {
    return current_cached_listing(state_dir_, inner_->store_path());
  }
  core::PulledImage pull(const core::PullRequest& request) override {
    return inner_->pull(request);
  }
  void remove(const std::vector<std::string>& ids) override { inner_->remove(ids); }
  void tag(const std::string& id, const std::string& name) override { inner_->tag(id, name); }
  void untag(const std::string& id, const std::string& name) override { inner_->untag(id, name); }
  std::string store_path() const override { return inner_->store_path(); }
  core::PinMode pin_mode() const override { return inner_->pin_mode(); }
  // Pin mode system: the cached containers while the store's container metadata is as
  // rootpin last listed it (no podman run), else ONE listing, cached when it held still.
  std::vector<core::StoredContainer> containers() override;
  void create_placeholder(const core::Placeholder& p) override { inner_->create_placeholder(p); }
  void remove_containers(const std::vector<std::string>& names) override {
    inner_->remove_containers(names);
  }

  // The last listing this run made, if any.
  const std::optional<std::vector<core::StoredImage>>& last_listing() const { return last_; }

private:
  std::unique_ptr<core::ImageStore> inner_;
  std::string state_dir_;
  std::optional<std::vector<core::StoredImage>> last_;
};

}  // namespace rootpin::podman
