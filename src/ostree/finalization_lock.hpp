#pragma once
// /run/ostree/staged-deployment-locked: while this file exists, ostree (2022.7 and later)
// does not finalize the staged deployment at shutdown. rootpin creates it right after a
// deployment is staged and removes it once that root's images are pinned, so a reboot in
// between keeps running the old root instead of booting one whose images are missing.
//
// The file rootpin writes says so in its first line. A lock that someone else made (an
// admin holding an update back, another tool) is never removed by rootpin; a lock that an
// earlier rootpin run kept (its bind failed) is rootpin's, and the next successful bind
// of the staged root removes it.

#include <optional>
#include <string>

namespace rootpin::ostree {

inline constexpr const char* kFinalizationLockPath = "/run/ostree/staged-deployment-locked";

class FinalizationLock {
public:
  enum class Owner { Rootpin, Other };
  enum class Released { Removed, LeftInPlace };

  // Creates the file (and its parent directory) at path, or takes over the one there. An
  // Error if that fails. The file appears with its marker already in it (written to a temp
  // file, then linked into place), so a crash never leaves an empty lock that would read
  // as someone else's.
  static FinalizationLock create(std::string path = kFinalizationLockPath);

  // Who holds the lock at path now; nullopt when there is none (for `rootpin status`).
  static std::optional<Owner> holder(const std::string& path = kFinalizationLockPath);

  FinalizationLock(FinalizationLock&& other) noexcept;
  FinalizationLock& operator=(FinalizationLock&& other) noexcept;
  FinalizationLock(const FinalizationLock&) = delete;
  FinalizationLock& operator=(const FinalizationLock&) = delete;
  // Fails closed: the file stays unless remove() was called (an exception on the way out
  // must never let ostree finalize a root whose images are missing).
  ~FinalizationLock() = default;

  // The staged root is bound (or undone): let ostree finalize again, unless the lock is
  // someone else's (LeftInPlace). Error if unlink fails.
  Released remove();
  // Leaves the file in place: the staged root is not bound and must not be finalized.
  void keep() noexcept;
  // Neither removed nor kept yet.
  bool armed() const { return armed_; }

  Owner owner() const { return owner_; }
  const std::string& path() const { return path_; }

private:
  FinalizationLock(std::string path, Owner owner) : path_(std::move(path)), owner_(owner) {}

  std::string path_;
  bool armed_ = true;  // false once removed or kept
  Owner owner_;
};

}  // namespace rootpin::ostree
