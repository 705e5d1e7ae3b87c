#pragma once
// One ostree deployment as rootpin sees it: a plain value, safe to copy and print.

#include <string>
#include <string_view>

namespace rootpin::ostree {

// Where a deployment stands relative to what is running.
//   Booted:   the running root.
//   Staged:   written by `ostree admin deploy --stage` / rpm-ostree / bootc; ostree
//             finalizes it at shutdown.
//   Pending:  boots next but is not running: before the booted deployment in the boot
//             order, or on a sysroot that is not booted (tests, image builders) the
//             deployment at index 0.
//   Rollback: every other deployment (after the booted one, or index >= 1 on a sysroot
//             that is not booted).
enum class Role { Booted, Staged, Pending, Rollback };

std::string_view role_name(Role role);

struct Deployment {
  int index = 0;  // position in ostree's boot order (0 boots by default)
  std::string osname;
  std::string checksum;
  int serial = 0;
  std::string root_id;  // "<osname>/<checksum>.<serial>", the ledger's key
  std::string version;  // the commit's "version" metadata, empty if unset
  Role role = Role::Rollback;
  bool pinned = false;         // `ostree admin pin`
  std::string origin_refspec;  // e.g. "origin:os/x86_64/stable"; empty if none
};

std::string make_root_id(std::string_view osname, std::string_view checksum, int serial);

}  // namespace rootpin::ostree
