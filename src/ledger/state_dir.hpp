#pragma once
// rootpin's state directory (default /var/lib/rootpin) and the ledger file in it.
//
// The directory is root's alone: created 0700, refused when it is a symlink, not owned by us
// or writable by group/others. ledger.json is 0600. Only one writer at a time (lock_writer);
// readers need no lock because every save replaces ledger.json with a rename.
//
// Save order, so a crash at any instant leaves a readable ledger.json (old or new):
//   1. write .ledger.json.tmp-<pid> (O_EXCL|O_NOFOLLOW, 0600), fsync it;
//   2. link ledger.json to ledger.json.prev.tmp, rename that over ledger.json.prev
//      (the old generation is now in both names);
//   3. rename the temp over ledger.json;
//   4. fsync the directory (one file fsync + one directory fsync per save).

#include "base/atomic_file.hpp"
#include "base/fd.hpp"
#include "base/lock_file.hpp"
#include "src/ledger/ledger.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rootpin::ledger {

class StateDir {
public:
  enum class Create { IfMissing, Never };

  static constexpr const char* kLedgerName = "ledger.json";
  static constexpr const char* kPrevName = "ledger.json.prev";

  // IfMissing creates the directory (and missing parents, 0755) with mode 0700.
  // Never throws util::Error when it does not exist.
  static StateDir open(const std::string& path, Create create);
  // For readers (status) on a host where rootpin never ran: nullopt when missing.
  static std::optional<StateDir> open_if_exists(const std::string& path);

  StateDir(StateDir&&) noexcept = default;
  StateDir& operator=(StateDir&&) noexcept = default;

  // flock on the directory, bounded wait (see util::DirLock).
  util::DirLock lock_writer(std::chrono::milliseconds timeout,
                            const util::DirLock::WaitNotice& on_wait = {});

  struct Loaded {
    Ledger ledger;
    std::vector<std::string> warnings;  // print them loudly (log::warning)
    bool recovered = false;             // the ledger was lost or rolled back: rescan live roots
  };
  // Missing ledger.json: the empty ledger (or ledger.json.prev, with a warning, when only
  // that one exists). Corrupt ledger.json: moved aside to ledger.json.corrupt-<UTC time>
  // (never deleted), then ledger.json.prev is tried; recovered=true. A ledger written by a
  // newer rootpin (unknown version) is left in place and util::Error is thrown.
  // A symlink or non-regular file at ledger.json throws util::Error.
  // Only the writer moves files: without `writer` (this directory's writer lock) a corrupt
  // file is reported and left in place for the next writer, and .prev is read.
  Loaded load(const util::DirLock* writer = nullptr);

  // Requires `lock` to be this directory's writer lock. Refuses (util::Error) a symlink at
  // ledger.json or ledger.json.prev. On failure the previous ledger.json is intact.
  // Returns a warning when the ledger is saved but maybe not durable (the directory's
  // fsync failed after the rename): the save stands, it is not undone.
  std::optional<std::string> save(const Ledger& ledger, const util::DirLock& lock);

  const std::string& path() const { return path_; }
  std::string ledger_path() const { return path_ + "/" + kLedgerName; }
  int fd() const { return fd_.get(); }

private:
  util::AtomicFile::Committed write_ledger(const Ledger& ledger);
  StateDir(util::Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  util::Fd fd_;
  std::string path_;
};

}  // namespace rootpin::ledger
