#include "quadlet-scan/search_paths.hpp"

#include <algorithm>
#include <cerrno>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "quadlet-scan/etc_overlay.hpp"
#include "quadlet-scan/specifiers.hpp"

namespace quadlet_scan {

namespace {

// A hostile root may nest directories deeply; Quadlet units never need this much.
constexpr int kMaxDepth = 32;

std::string join(std::string_view dir, std::string_view name) {
  return dir == "/" ? fmt::format("/{}", name) : fmt::format("{}/{}", dir, name);
}

// Walks the search directories as the generator does: each directory, then its
// subdirectories depth first in name order (a symlink to a directory is followed, a
// directory already visited is not walked again), never into a directory whose name ends
// in ".d" (drop-in directories are looked up by name, not walked). The units of a
// directory are taken before those of its subdirectories, so "/a/x.container" wins over
// "/a/b/x.container".
class Walker {
public:
  Walker(const RootDir& root, UnitIndex& index) : root_(root), index_(index) {}

  // users_filter: the root's /etc search directory, whose users*/ subtrees hold rootless
  // units (the generator skips every path starting with ".../users" there).
  void walk_top(const std::string& dir, bool users_filter) {
    auto kind = root_.kind(dir);
    if (!kind) {
      if (kind.error().errnum != ENOENT) index_.errors.push_back(std::move(kind.error()));
      return;
    }
    if (*kind != FileKind::Directory) return;
    std::string canonical = dir;
    if (auto resolved = root_.resolve(dir)) canonical = std::move(*resolved);
    users_filter_ = users_filter;
    walk(canonical, 0, true);
  }

private:
  void walk(const std::string& dir, int depth, bool top) {
    if (!visited_.insert(dir).second) return;
    auto entries = root_.list_dir(dir);
    if (!entries) {
      index_.errors.push_back(std::move(entries.error()));
      return;
    }
    std::size_t order = next_order_++;
    std::vector<std::string> subdirs;
    for (const DirEntry& e : *entries) {
      std::string path = join(dir, e.name);
      bool dropin_name = e.name.ends_with(".d");
      if (e.kind == FileKind::Directory) {
        if (dropin_name) {
          index_.dropin_dirs[e.name].push_back(DropinDir{order, std::move(path)});
        } else if (!(top && users_filter_ && e.name.starts_with("users"))) {
          subdirs.push_back(std::move(path));
        }
        continue;
      }
      if (e.kind == FileKind::Regular) {
        add_unit(e.name, std::move(path), false);
        continue;
      }
      if (e.kind != FileKind::Symlink) continue;
      if (is_unit_name(e.name)) {
        add_unit(e.name, std::move(path), true);
        continue;
      }
      // A symlink that may lead to a directory: only these names cost a lookup.
      if (top && users_filter_ && e.name.starts_with("users")) continue;
      auto kind = root_.kind(path);
      if (!kind || *kind != FileKind::Directory) continue;
      if (dropin_name) {
        index_.dropin_dirs[e.name].push_back(DropinDir{order, std::move(path)});
      } else if (auto resolved = root_.resolve(path)) {
        subdirs.push_back(std::move(*resolved));
      }
    }
    for (const std::string& sub : subdirs) {
      if (depth + 1 >= kMaxDepth) {
        index_.errors.push_back(Error{"directories nested too deeply", sub, 0, ELOOP});
        continue;
      }
      walk(sub, depth + 1, false);
    }
  }

  void add_unit(const std::string& name, std::string path, bool symlink) {
    if (!is_unit_name(name)) return;
    if (index_.units.contains(name) || index_.masked.contains(name)) {
      index_.shadowed[name].push_back(std::move(path));
      return;
    }
    if (symlink && is_mask(path)) {
      index_.masked.insert(name);
      return;
    }
    index_.units.emplace(name, std::move(path));
  }

  bool is_mask(const std::string& path) const {
    auto target = root_.read_link(path);
    return target && *target == "/dev/null";
  }

  const RootDir& root_;
  UnitIndex& index_;
  std::set<std::string> visited_;
  bool users_filter_ = false;
  std::size_t next_order_ = 0;
};

}  // namespace

std::string UnitIndex::map_etc(std::string_view path) const {
  if (etc_missing && (path == "/etc" || path.starts_with("/etc/"))) {
    return fmt::format("/usr{}", path);
  }
  return std::string(path);
}

const std::string* UnitIndex::find(std::string_view unit_name) const {
  auto it = units.find(std::string(unit_name));
  return it == units.end() ? nullptr : &it->second;
}

std::expected<UnitIndex, Error> index_search_paths(const RootDir& root) {
  auto top = root.kind("/");
  if (!top) {
    return std::unexpected(std::move(top.error()));
  }
  UnitIndex index;
  if (const EtcOverlay* overlay = root.etc_overlay()) {
    // The merged view answers for /etc, whichever directory each file comes from.
    index.errors = overlay->conflicts();
  } else {
    auto etc = root.kind("/etc");
    index.etc_missing = !etc && etc.error().errnum == ENOENT;
  }
  index.search_dirs = {index.map_etc("/etc/containers/systemd"), "/usr/share/containers/systemd"};
  Walker walker(root, index);
  walker.walk_top(index.search_dirs[0], true);
  walker.walk_top(index.search_dirs[1], false);
  return index;
}

std::string normalize_path(std::string_view base_dir, std::string_view path) {
  // Sized once: this runs for every bound link and unit (tools/bench scan).
  std::vector<std::string_view> parts;
  parts.reserve(static_cast<std::size_t>(std::count(base_dir.begin(), base_dir.end(), '/') +
                                         std::count(path.begin(), path.end(), '/')) +
                2);
  auto push_all = [&](std::string_view p) {
    while (!p.empty()) {
      auto slash = p.find('/');
      std::string_view part = p.substr(0, slash);
      p = slash == std::string_view::npos ? std::string_view() : p.substr(slash + 1);
      if (part.empty() || part == ".") continue;
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();
        continue;
      }
      parts.push_back(part);
    }
  };
  if (!path.starts_with('/')) push_all(base_dir);
  push_all(path);
  std::string out;
  out.reserve(base_dir.size() + path.size() + 1);
  for (std::string_view part : parts) {
    out += '/';
    out += part;
  }
  return out.empty() ? std::string("/") : out;
}

std::string_view base_name(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace quadlet_scan
