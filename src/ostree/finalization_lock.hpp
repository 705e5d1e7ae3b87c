#pragma once
// /run/ostree/staged-deployment-locked: while this file exists, ostree (2022.7 and later)
// does not finalize the staged deployment at shutdown. rootpin creates it right after a
// deployment is staged and removes it once that root's images are pinned, so a reboot in
// between keeps running the old root instead of booting one whose images are missing.

#include <string>

namespace rootpin::ostree {

inline constexpr const char* kFinalizationLockPath = "/run/ostree/staged-deployment-locked";

class FinalizationLock {
public:
  // Creates the file (and its parent directory) at path; an Error if that fails.
  static FinalizationLock create(std::string path = kFinalizationLockPath);

  FinalizationLock(FinalizationLock&& other) noexcept;
  FinalizationLock& operator=(FinalizationLock&& other) noexcept;
  FinalizationLock(const FinalizationLock&) = delete;
  FinalizationLock& operator=(const FinalizationLock&) = delete;
  // Removes the file if neither remove() nor keep() was called (best effort).
  ~FinalizationLock();

  // The staged root is bound (or undone): let ostree finalize again. Error if unlink fails.
  void remove();
  // Leaves the file in place: the staged root could neither be bound nor undone, and must
  // not be finalized.
  void keep() noexcept;

  const std::string& path() const { return path_; }

private:
  explicit FinalizationLock(std::string path) : path_(std::move(path)) {}
  std::string path_;  // empty once removed or kept
};

}  // namespace rootpin::ostree
