#pragma once
// ostree's sysroot lock (the flock on ostree/lock that `ostree admin` and rpm-ostree take),
// held for this object's lifetime.

#include <chrono>
#include <string>

#include "src/ostree/gobject_ptr.hpp"

struct OstreeSysroot;

namespace rootpin::ostree {

class SysrootLock {
public:
  // Polls ostree_sysroot_try_lock until `wait` has passed; then an Error naming path.
  static SysrootLock acquire(OstreeSysroot* sysroot, const std::string& path,
                             std::chrono::milliseconds wait);

  SysrootLock(SysrootLock&&) noexcept = default;
  SysrootLock& operator=(SysrootLock&& other) noexcept;
  ~SysrootLock();

private:
  explicit SysrootLock(GObjectPtr<OstreeSysroot> sysroot);
  void release() noexcept;
  GObjectPtr<OstreeSysroot> sysroot_;
};

}  // namespace rootpin::ostree
