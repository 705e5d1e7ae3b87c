#pragma once
// The ImageStore every command uses, counting for the metrics what went through it: podman
// pull runs by result, the images pulled, and the last listing (the store's images and
// bytes, and the size of what was pulled).

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "src/core/image_store.hpp"

namespace rootpin::app {

struct PullTally {
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::set<std::string> pulled_ids;
};

class MeteredImageStore final : public core::ImageStore {
public:
  explicit MeteredImageStore(std::unique_ptr<core::ImageStore> inner) : inner_(std::move(inner)) {}

  std::vector<core::StoredImage> list() override;
  std::optional<std::vector<core::StoredImage>> cached_listing() override {
    return inner_->cached_listing();
  }
  core::PulledImage pull(const core::PullRequest& request) override;
  void remove(const std::vector<std::string>& ids) override { inner_->remove(ids); }
  void tag(const std::string& id, const std::string& name) override { inner_->tag(id, name); }
  void untag(const std::string& id, const std::string& name) override { inner_->untag(id, name); }
  std::string store_path() const override { return inner_->store_path(); }
  core::PinMode pin_mode() const override { return inner_->pin_mode(); }
  std::vector<core::StoredContainer> containers() override { return inner_->containers(); }
  void create_placeholder(const core::Placeholder& p) override { inner_->create_placeholder(p); }
  void remove_containers(const std::vector<std::string>& names) override {
    inner_->remove_containers(names);
  }

  PullTally tally() const;
  std::optional<std::vector<core::StoredImage>> last_listing() const;

private:
  std::unique_ptr<core::ImageStore> inner_;
  mutable std::mutex mutex_;  // pulls run on several threads
  PullTally tally_;
  std::optional<std::vector<core::StoredImage>> last_;
};

}  // namespace rootpin::app
