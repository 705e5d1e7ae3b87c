#include "quadlet-scan/search_paths.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "quadlet-scan/specifiers.hpp"

namespace quadlet_scan {

namespace {

// A hostile root may nest directories deeply; Quadlet units never need this much.
constexpr int kMaxDepth = 32;

std::string join(std::string_view dir, std::string_view name) {
  return dir == "/" ? fmt::format("/{}", name) : fmt::format("{}/{}", dir, name);
}

class Walker {
public:
  Walker(const RootDir& root, UnitIndex& index) : root_(root), index_(index) {}

  void walk(const std::string& dir, int depth, bool top) {
    auto entries = root_.list_dir(dir);
    if (!entries) {
      if (!(top && entries.error().errnum == ENOENT)) {
        index_.errors.push_back(std::move(entries.error()));
      }
      return;
    }
    std::size_t order = next_order_++;
    for (const DirEntry& e : *entries) {
      std::string path = join(dir, e.name);
      if (e.kind == FileKind::Directory) {
        // users/ holds rootless units of each user, not the system's.
        if (top && e.name == "users") continue;
        if (e.name.ends_with(".d")) {
          index_.dropin_dirs[e.name].push_back(DropinDir{order, path});
        }
        if (depth + 1 >= kMaxDepth) {
          index_.errors.push_back(Error{"directories nested too deeply", path, 0, ELOOP});
          continue;
        }
        walk(path, depth + 1, false);
        continue;
      }
      if (e.kind != FileKind::Regular && e.kind != FileKind::Symlink) continue;
      if (!parse_unit_name(e.name)) continue;
      if (index_.units.contains(e.name) || index_.masked.contains(e.name)) continue;
      if (e.kind == FileKind::Symlink && is_mask(path)) {
        index_.masked.insert(e.name);
        continue;
      }
      index_.units.emplace(e.name, std::move(path));
    }
  }

private:
  bool is_mask(const std::string& path) const {
    auto target = root_.read_link(path);
    return target && *target == "/dev/null";
  }

  const RootDir& root_;
  UnitIndex& index_;
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
  auto etc = root.kind("/etc");
  index.etc_missing = !etc && etc.error().errnum == ENOENT;
  index.search_dirs = {index.map_etc("/etc/containers/systemd"), "/usr/share/containers/systemd"};
  Walker walker(root, index);
  for (const std::string& dir : index.search_dirs) {
    walker.walk(dir, 0, true);
  }
  return index;
}

std::string normalize_path(std::string_view base_dir, std::string_view path) {
  std::vector<std::string_view> parts;
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
