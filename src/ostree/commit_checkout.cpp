#include "src/ostree/commit_checkout.hpp"

#include <fcntl.h>
#include <ostree.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "base/error.hpp"
#include "src/ostree/gerror.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::ostree {

CommitCheckout::CommitCheckout(CommitCheckout&& other) noexcept
    : temp_dir_(std::exchange(other.temp_dir_, {})), root_(std::move(other.root_)) {}

CommitCheckout::~CommitCheckout() {
  if (!temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
}

util::Fd CommitCheckout::open_root() const {
  util::Fd fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    throw util::Error::format("cannot open the checkout {}: {}", root_, std::strerror(errno));
  }
  return fd;
}

CommitCheckout Sysroot::check_out(const std::string& checksum) {
  // repo/tmp is on the repo's file system (hardlinks work) and is where ostree itself
  // keeps its temporary files; ostree's cleanup removes a leftover after a crash.
  std::string temp = path_ + "/ostree/repo/tmp/rootpin-check-XXXXXX";
  if (::mkdtemp(temp.data()) == nullptr) {
    throw util::Error::format("cannot create a temp dir under {}/ostree/repo/tmp: {}", path_,
                              std::strerror(errno));
  }
  CommitCheckout checkout(temp, temp + "/root");
  OstreeRepoCheckoutAtOptions options{};
  options.mode = OSTREE_REPO_CHECKOUT_MODE_NONE;  // a bare repo hardlinks only in this mode
  options.overwrite_mode = OSTREE_REPO_CHECKOUT_OVERWRITE_NONE;
  options.enable_fsync = FALSE;  // thrown away after reading
  GError* error = nullptr;
  check(ostree_repo_checkout_at(ostree_sysroot_repo(sysroot_.get()), &options, AT_FDCWD,
                                checkout.root().c_str(), checksum.c_str(), nullptr, &error),
        &error, "checking out commit " + checksum);
  return checkout;
}

}  // namespace rootpin::ostree
