#pragma once
// A commit's tree checked out into a private temp dir under the sysroot repo's tmp/, so
// that what a commit that is not deployed yet binds can be read (`upgrade --check`).
// Files are hardlinked from the repo where it can (same file system, no copy), so the
// tree is only ever read; the temp dir is removed when this object goes.

#include <string>

#include "base/fd.hpp"

namespace rootpin::ostree {

class CommitCheckout {
public:
  CommitCheckout(CommitCheckout&& other) noexcept;
  CommitCheckout& operator=(CommitCheckout&&) = delete;
  CommitCheckout(const CommitCheckout&) = delete;
  CommitCheckout& operator=(const CommitCheckout&) = delete;
  // Removes the temp dir (best effort: a leftover under repo/tmp is ostree's to clean).
  ~CommitCheckout();

  // The checked-out tree's root directory.
  const std::string& root() const { return root_; }
  // root() opened O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC, for quadlet-scan's RootDir.
  util::Fd open_root() const;

private:
  friend class Sysroot;
  CommitCheckout(std::string temp_dir, std::string root)
      : temp_dir_(std::move(temp_dir)), root_(std::move(root)) {}

  std::string temp_dir_;  // empty once moved from
  std::string root_;
};

}  // namespace rootpin::ostree
