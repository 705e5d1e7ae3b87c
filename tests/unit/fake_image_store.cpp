#include "tests/unit/fake_image_store.hpp"

#include <algorithm>
#include <thread>

#include "base/error.hpp"

namespace rootpin::test {

void FakeImageStore::add_remote(const std::string& reference, StoredImage image) {
  std::lock_guard lock(mutex_);
  remote_[reference] = std::move(image);
}

void FakeImageStore::fail_pulls(const std::string& reference, int times,
                                const std::string& message) {
  std::lock_guard lock(mutex_);
  failures_[reference] = {times, message};
}

void FakeImageStore::put(StoredImage image) {
  std::lock_guard lock(mutex_);
  images_[image.id] = std::move(image);
}

std::vector<StoredImage> FakeImageStore::list() {
  std::lock_guard lock(mutex_);
  ++list_calls_;
  std::vector<StoredImage> out;
  for (const auto& [id, image] : images_) {
    out.push_back(image);
  }
  return out;
}

PulledImage FakeImageStore::pull(const PullRequest& request) {
  {
    std::lock_guard lock(mutex_);
    pulls_.push_back(request);
    ++running_;
    max_running_ = std::max(max_running_, running_);
  }
  if (pull_delay_ms_ > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pull_delay_ms_));
  }
  std::lock_guard lock(mutex_);
  --running_;
  if (auto t = throwers_.find(request.reference); t != throwers_.end()) {
    t->second();
  }
  if (auto f = failures_.find(request.reference); f != failures_.end() && f->second.first > 0) {
    --f->second.first;
    throw util::Error::format("pulling {}: {}", request.reference, f->second.second);
  }
  auto it = remote_.find(request.reference);
  if (it == remote_.end()) {
    throw util::Error::format("pulling {}: manifest unknown", request.reference);
  }
  auto& stored = images_[it->second.id];
  if (stored.id.empty()) {
    stored = it->second;
  } else {
    for (const auto& n : it->second.names) {
      if (std::find(stored.names.begin(), stored.names.end(), n) == stored.names.end()) {
        stored.names.push_back(n);
      }
    }
  }
  return {it->second.id};
}

void FakeImageStore::remove(const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  ++remove_calls_;
  if (!removal_failure_.empty()) {
    throw util::Error(removal_failure_);
  }
  for (const auto& id : ids) {
    images_.erase(id);
  }
}

void FakeImageStore::tag(const std::string& id, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = images_.find(id);
  if (it == images_.end()) {
    throw util::Error::format("tagging {}: image not known", id);
  }
  it->second.names.push_back(name);
}

void FakeImageStore::untag(const std::string& id, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = images_.find(id);
  if (it == images_.end()) {
    throw util::Error::format("untagging {}: image not known", id);
  }
  std::erase(it->second.names, name);
}

int FakeImageStore::list_calls() const {
  std::lock_guard lock(mutex_);
  return list_calls_;
}
int FakeImageStore::pull_calls() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(pulls_.size());
}
int FakeImageStore::remove_calls() const {
  std::lock_guard lock(mutex_);
  return remove_calls_;
}
std::vector<PullRequest> FakeImageStore::pulls() const {
  std::lock_guard lock(mutex_);
  return pulls_;
}
int FakeImageStore::max_concurrent_pulls() const {
  std::lock_guard lock(mutex_);
  return max_running_;
}

std::vector<StoredContainer> FakeImageStore::containers() {
  std::lock_guard lock(mutex_);
  if (mode_ == PinMode::Store) {
    return {};
  }
  ++container_calls_;
  std::vector<StoredContainer> out;
  for (const auto& [name, c] : containers_) {
    out.push_back(c);
  }
  return out;
}

void FakeImageStore::create_placeholder(const Placeholder& placeholder) {
  std::lock_guard lock(mutex_);
  if (mode_ == PinMode::Store) {
    throw util::Error("pin mode store holds images without placeholders");
  }
  if (!images_.contains(placeholder.image_id)) {
    throw util::Error("creating placeholder " + placeholder.name + ": no image " +
                      placeholder.image_id);
  }
  if (containers_.contains(placeholder.name)) {
    throw util::Error("creating placeholder " + placeholder.name + ": the name is in use");
  }
  containers_[placeholder.name] = StoredContainer{"id-" + placeholder.name, placeholder.name,
                                                  placeholder.image_id, placeholder.labels};
}

void FakeImageStore::remove_containers(const std::vector<std::string>& names) {
  std::lock_guard lock(mutex_);
  for (const auto& n : names) {
    containers_.erase(n);
  }
}

void FakeImageStore::put_container(StoredContainer container) {
  std::lock_guard lock(mutex_);
  containers_[container.name] = std::move(container);
}

int FakeImageStore::container_calls() const {
  std::lock_guard lock(mutex_);
  return container_calls_;
}

}  // namespace rootpin::test
