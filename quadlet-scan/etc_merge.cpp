#include "quadlet-scan/etc_merge.hpp"

#include <utility>

#include <fmt/format.h>

namespace quadlet_scan {

namespace {

// The direct children of dir ("" for /etc itself), in name order. Every path with a given
// prefix sits in one run of the sorted map.
std::vector<std::string> children(const EtcTree& tree, const std::string& dir) {
  const std::string prefix = dir.empty() ? std::string() : dir + "/";
  std::vector<std::string> out;
  for (auto it = tree.lower_bound(prefix); it != tree.end() && it->first.starts_with(prefix);
       ++it) {
    if (it->first.find('/', prefix.size()) == std::string::npos) out.push_back(it->first);
  }
  return out;
}

// ostree's file checksum covers content, mode, uid, gid and a link's target (xattrs are
// ignored for the merge). Content that could not be read is never taken as unchanged.
bool same_entry(const EtcNode& a, const EtcNode& b) {
  return !a.unreadable && !b.unreadable && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid &&
         a.data == b.data;
}

struct Diff {
  std::vector<std::string> removed;
  std::vector<std::string> modified;
  std::vector<std::string> added;
};

// Every entry below an added directory is an added item too (diff_add_dir_recurse).
void add_below(const EtcTree& b, const std::string& dir, Diff& d) {
  for (const std::string& path : children(b, dir)) {
    d.added.push_back(path);
    if (b.at(path).kind == FileKind::Directory) add_below(b, path, d);
  }
}

// ostree_diff_dirs: a type change is one modified item and is not descended into; a
// directory of the same type is compared (its own metadata) and then descended into.
void diff_dir(const EtcTree& a, const EtcTree& b, const std::string& dir, Diff& d) {
  for (const std::string& path : children(a, dir)) {
    auto it = b.find(path);
    if (it == b.end()) {
      d.removed.push_back(path);
      continue;
    }
    const EtcNode& na = a.at(path);
    if (na.kind != it->second.kind) {
      d.modified.push_back(path);
      continue;
    }
    if (!same_entry(na, it->second)) d.modified.push_back(path);
    if (na.kind == FileKind::Directory) diff_dir(a, b, path, d);
  }
  for (const std::string& path : children(b, dir)) {
    if (a.contains(path)) continue;
    d.added.push_back(path);
    if (b.at(path).kind == FileKind::Directory) add_below(b, path, d);
  }
}

class Applier {
public:
  Applier(const EtcTree& modified, const EtcTree& base) : modified_(modified) {
    for (const auto& [path, node] : base) put(path, node, EtcSide::New);
  }

  // glnx_shutil_rm_rf_at
  void remove(const std::string& path) {
    auto it = out_.nodes.lower_bound(path);
    while (it != out_.nodes.end() && (it->first == path || it->first.starts_with(path + "/"))) {
      it = out_.nodes.erase(it);
    }
  }

  // copy_modified_config_file
  void copy(const std::string& path) {
    const EtcNode& mod = modified_.at(path);
    if (!ensure_parents(path)) return;
    if (auto it = out_.nodes.find(path); it != out_.nodes.end()) {
      if (it->second.kind == FileKind::Directory) {
        if (mod.kind != FileKind::Directory) {
          conflict(path, "the booted /etc has a file where the new /usr/etc has a directory");
        }
        return;
      }
      out_.nodes.erase(it);
    }
    if (mod.kind == FileKind::Directory) {
      put(path, mod, EtcSide::Booted);
      copy_below(path);
    } else if (mod.kind != FileKind::Other) {
      put(path, mod, EtcSide::Booted);
    }
  }

  EtcMerge finish() { return std::move(out_); }

private:
  void put(const std::string& path, const EtcNode& node, EtcSide side) {
    MergedNode m{node.kind, side, {}};
    if (node.kind == FileKind::Symlink) m.link_target = node.data;
    out_.nodes.insert_or_assign(path, std::move(m));
  }

  // copy_dir_recurse: FIFOs, devices and sockets are left out.
  void copy_below(const std::string& dir) {
    for (const std::string& path : children(modified_, dir)) {
      const EtcNode& node = modified_.at(path);
      if (node.kind == FileKind::Other) continue;
      put(path, node, EtcSide::Booted);
      if (node.kind == FileKind::Directory) copy_below(path);
    }
  }

  // ensure_directory_from_template: a missing parent is made; one that is not a plain
  // directory fails the merge (a symlink would be followed outside ostree's view).
  bool ensure_parents(const std::string& path) {
    for (std::size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      const std::string parent = path.substr(0, slash);
      auto it = out_.nodes.find(parent);
      if (it == out_.nodes.end()) {
        out_.nodes.emplace(parent, MergedNode{FileKind::Directory, EtcSide::Booted, {}});
      } else if (it->second.kind != FileKind::Directory) {
        conflict(path, fmt::format("/etc/{} is not a directory in the new /etc", parent));
        return false;
      }
    }
    return true;
  }

  void conflict(const std::string& path, std::string why) {
    out_.conflicts.push_back(
        Error{fmt::format("ostree's /etc merge fails here: {}", why), "/etc/" + path, 0, 0});
  }

  const EtcTree& modified_;
  EtcMerge out_;
};

}  // namespace

EtcMerge merge_etc(const EtcTree& orig, const EtcTree& modified, const EtcTree& base) {
  Diff diff;
  diff_dir(orig, modified, "", diff);
  Applier apply(modified, base);
  for (const std::string& path : diff.removed) apply.remove(path);
  for (const std::string& path : diff.modified) apply.copy(path);
  for (const std::string& path : diff.added) apply.copy(path);
  return apply.finish();
}

}  // namespace quadlet_scan
