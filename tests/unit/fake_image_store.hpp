#pragma once
// An in-memory ImageStore for unit tests: counts calls, serves pulls from a table of
// "registry" images, and can be told to fail.

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "src/core/image_store.hpp"

namespace rootpin::test {

using core::ImageStore;
using core::PinMode;
using core::Placeholder;
using core::PulledImage;
using core::PullRequest;
using core::StoredContainer;
using core::StoredImage;

class FakeImageStore final : public ImageStore {
public:
  explicit FakeImageStore(PinMode mode = PinMode::Store) : mode_(mode) {}

  // What a pull of `reference` (exactly as requested) puts into the store.
  void add_remote(const std::string& reference, StoredImage image);
  // The next `times` pulls of `reference` fail with `message`.
  void fail_pulls(const std::string& reference, int times, const std::string& message);
  void fail_removals(const std::string& message) { removal_failure_ = message; }
  // Pulls of `reference` throw what `thrower` throws (any exception, not only util::Error).
  void throw_on_pull(const std::string& reference, std::function<void()> thrower) {
    throwers_[reference] = std::move(thrower);
  }
  void put(StoredImage image);

  std::vector<StoredImage> list() override;
  PulledImage pull(const PullRequest& request) override;
  void remove(const std::vector<std::string>& ids) override;
  void tag(const std::string& id, const std::string& name) override;
  void untag(const std::string& id, const std::string& name) override;
  std::string store_path() const override { return "/fake/store"; }
  PinMode pin_mode() const override { return mode_; }
  std::vector<StoredContainer> containers() override;
  void create_placeholder(const Placeholder& placeholder) override;
  void remove_containers(const std::vector<std::string>& names) override;
  // A container of the host's (pin mode system).
  void put_container(StoredContainer container);
  int container_calls() const;

  int list_calls() const;
  int pull_calls() const;
  int remove_calls() const;
  std::vector<PullRequest> pulls() const;
  // Highest number of pulls that ran at the same time.
  int max_concurrent_pulls() const;
  // Pulls sleep this long (to observe concurrency).
  void set_pull_delay_ms(int ms) { pull_delay_ms_ = ms; }

private:
  PinMode mode_;
  std::map<std::string, StoredContainer> containers_;  // by name
  int container_calls_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, StoredImage> images_;  // by id
  std::map<std::string, StoredImage> remote_;
  std::map<std::string, std::pair<int, std::string>> failures_;
  std::string removal_failure_;
  std::map<std::string, std::function<void()>> throwers_;
  std::vector<PullRequest> pulls_;
  int list_calls_ = 0;
  int remove_calls_ = 0;
  int running_ = 0;
  int max_running_ = 0;
  int pull_delay_ms_ = 0;
};

}  // namespace rootpin::test
