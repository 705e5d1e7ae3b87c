#include "src/app/staged_bind.hpp"

#include <fmt/format.h>

#include "src/log/log.hpp"

namespace rootpin::app {

StagedBind::~StagedBind() {
  if (!done_ && lock_ && lock_->armed()) {
    log::warning(fmt::format("{} stays: {} is staged but its images are not recorded, so ostree "
                             "will not finalize it; a successful `rootpin bind --staged` "
                             "removes it",
                             lock_->path(), root_id_),
                 log::Fields{root_id_, "", ""});
  }
}

void StagedBind::hold() { lock_.emplace(ostree::FinalizationLock::create()); }

const std::string& StagedBind::lock_path() const {
  static const std::string none;
  return lock_ ? lock_->path() : none;
}

bool StagedBind::commit(LedgerWriter& writer, ledger::RootRecord record,
                        const std::function<bool()>& still_staged) {
  writer.ledger.set_root(std::move(record));
  writer.save();  // recorded before ostree may finalize the root
  if (lock_ && still_staged && !still_staged()) {
    keep();  // the lock now holds back a root this run did not bind
    return false;
  }
  release();
  done_ = true;
  return true;
}

void StagedBind::undone() {
  release();
  done_ = true;
}

void StagedBind::keep() {
  if (lock_) {
    lock_->keep();
  }
  done_ = true;
}

void StagedBind::release() {
  if (lock_ && lock_->remove() == ostree::FinalizationLock::Released::LeftInPlace) {
    log::notice(fmt::format("{} is bound; {} was not written by rootpin and stays in place",
                            root_id_, lock_->path()));
  }
}

}  // namespace rootpin::app
