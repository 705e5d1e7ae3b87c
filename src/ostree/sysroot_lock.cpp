#include "src/ostree/sysroot_lock.hpp"

#include <ostree.h>

#include <thread>

#include "base/error.hpp"
#include "src/ostree/gerror.hpp"

namespace rootpin::ostree {

SysrootLock SysrootLock::acquire(OstreeSysroot* sysroot, const std::string& path,
                                 std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    gboolean acquired = FALSE;
    GError* error = nullptr;
    check(ostree_sysroot_try_lock(sysroot, &acquired, &error), &error,
          "locking ostree sysroot " + path);
    if (acquired) {
      return SysrootLock(add_ref(sysroot));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw util::Error::format(
          "ostree sysroot {} is locked by another process (rpm-ostree, bootc or ostree admin?); "
          "gave up after {} s",
          path, std::chrono::duration_cast<std::chrono::seconds>(wait).count());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

SysrootLock::SysrootLock(GObjectPtr<OstreeSysroot> sysroot) : sysroot_(std::move(sysroot)) {}

SysrootLock& SysrootLock::operator=(SysrootLock&& other) noexcept {
  if (this != &other) {
    release();
    sysroot_ = std::move(other.sysroot_);
  }
  return *this;
}

SysrootLock::~SysrootLock() { release(); }

void SysrootLock::release() noexcept {
  if (sysroot_) {
    ostree_sysroot_unlock(sysroot_.get());
    sysroot_.reset();
  }
}

}  // namespace rootpin::ostree
