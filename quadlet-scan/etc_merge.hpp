#pragma once
// ostree's /etc merge, computed without touching a file: what a staged deployment's /etc
// will hold once ostree finalizes it. ostree (src/libostree/ostree-sysroot-deploy.c,
// merge_configuration_from) diffs the merge deployment's /usr/etc ("orig") against its
// /etc ("modified") with ostree_diff_dirs, then applies the removed, modified and added
// items, in that order, to the new deployment's /etc ("base", a copy of its /usr/etc):
//   removed  (in orig, not in modified):  rm -rf in the new /etc
//   modified (both, other type or other checksum: content, mode, uid, gid, link target)
//   added    (in modified only; every entry below an added directory too):
//            copy_modified_config_file: missing parent directories are created; a
//            directory already in the new /etc is kept as it is (so a file the admin
//            turned into a directory brings none of its entries; a directory turned
//            into a file there fails the finalization); anything else there is
//            replaced; a directory is copied whole; a FIFO, device or socket is dropped
//            ("Ignoring non-regular/non-symlink file").
// The merged modified version always wins over a change in the new /usr/etc.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "quadlet-scan/error.hpp"
#include "quadlet-scan/root_dir.hpp"

namespace quadlet_scan {

// One entry of an /etc tree, by lstat (a symlink is never followed).
struct EtcNode {
  FileKind kind = FileKind::Regular;
  std::uint32_t mode = 0;  // st_mode, type bits included
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string data;         // a regular file's content, a symlink's target
  bool unreadable = false;  // content unknown (too large, unreadable): never "unchanged"

  bool operator==(const EtcNode&) const = default;
};

// Relative path inside /etc ("containers/systemd/web.container") -> entry. Closed under
// parents: every directory above a listed entry is listed too.
using EtcTree = std::map<std::string, EtcNode>;

enum class EtcSide { Booted, New };  // whose file the merged /etc will hold

struct MergedNode {
  FileKind kind = FileKind::Regular;
  EtcSide side = EtcSide::New;
  std::string link_target;  // for a symlink
};

struct EtcMerge {
  std::map<std::string, MergedNode> nodes;
  // Where ostree's merge itself fails (the deployment would not finalize) or would write
  // through a symlink: the path ("/etc/...") and why.
  std::vector<Error> conflicts;
};

EtcMerge merge_etc(const EtcTree& orig, const EtcTree& modified, const EtcTree& base);

}  // namespace quadlet_scan
