#pragma once
// The transaction of binding a root that ostree has staged: ostree must not finalize it at
// shutdown until its images are pulled AND recorded. The finalization lock is released
// only by commit(), after the ledger is saved, or by undone() once the staged root is gone;
// destruction without either keeps the lock (ostree then boots the current root again)
// and says so. Without a lock (a root that is not staged) commit() only records.

#include <functional>
#include <optional>
#include <string>

#include "src/app/context.hpp"
#include "src/ledger/ledger.hpp"
#include "src/ostree/finalization_lock.hpp"

namespace rootpin::app {

class StagedBind {
public:
  explicit StagedBind(std::string root_id) : root_id_(std::move(root_id)) {}
  StagedBind(const StagedBind&) = delete;
  StagedBind& operator=(const StagedBind&) = delete;
  ~StagedBind();

  // Holds ostree back from finalizing the staged root (FinalizationLock::create).
  void hold();
  bool holds() const { return lock_.has_value(); }
  const std::string& lock_path() const;

  // Records the root, saves the ledger, then lets ostree finalize it (a lock that is not
  // rootpin's stays, with a notice) -- unless `still_staged` (asked after the save) says
  // the root is no longer the staged one: then the lock stays. Returns whether released.
  bool commit(LedgerWriter& writer, ledger::RootRecord record,
              const std::function<bool()>& still_staged = {});
  // The staged root was undone: nothing is left to hold back.
  void undone();
  // A failure that leaves the root staged and unbound: the lock stays (the caller's error
  // says so).
  void keep();

private:
  void release();

  std::string root_id_;
  std::optional<ostree::FinalizationLock> lock_;
  bool done_ = false;
};

}  // namespace rootpin::app
