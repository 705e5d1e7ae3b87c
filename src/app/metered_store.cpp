#include "src/app/metered_store.hpp"

#include "base/error.hpp"

namespace rootpin::app {

std::vector<core::StoredImage> MeteredImageStore::list() {
  auto images = inner_->list();
  std::lock_guard lock(mutex_);
  last_ = images;
  return images;
}

core::PulledImage MeteredImageStore::pull(const core::PullRequest& request) {
  try {
    auto pulled = inner_->pull(request);
    std::lock_guard lock(mutex_);
    ++tally_.succeeded;
    tally_.pulled_ids.insert(pulled.id);
    return pulled;
  } catch (const util::Error&) {
    std::lock_guard lock(mutex_);
    ++tally_.failed;
    throw;
  }
}

PullTally MeteredImageStore::tally() const {
  std::lock_guard lock(mutex_);
  return tally_;
}

std::optional<std::vector<core::StoredImage>> MeteredImageStore::last_listing() const {
  std::lock_guard lock(mutex_);
  return last_;
}

}  // namespace rootpin::app
