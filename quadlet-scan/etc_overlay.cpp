#include "quadlet-scan/etc_overlay.hpp"

#include <fcntl.h>

#include <cerrno>
#include <utility>

#include <fmt/format.h>

#include "quadlet-scan/search_paths.hpp"

namespace quadlet_scan {

namespace {

constexpr std::string_view kSearchDir = "containers/systemd";
// Directories nest no deeper than the search-path walk follows them.
constexpr int kMaxDepth = 32;
// As the kernel's limit on symlinks followed in one lookup.
constexpr int kMaxHops = 40;

std::string join(std::string_view dir, std::string_view name) {
  return dir.empty() ? std::string(name) : fmt::format("{}/{}", dir, name);
}

std::string_view parent_of(std::string_view rel) {
  auto slash = rel.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : rel.substr(0, slash);
}

// The part of /etc the view holds: the search path and the directories above it.
bool in_view(std::string_view rel) {
  return rel == "containers" || rel == kSearchDir ||
         (rel.starts_with(kSearchDir) && rel.size() > kSearchDir.size() &&
          rel[kSearchDir.size()] == '/');
}

EtcNode make_node(const RootDir& root, const std::string& path, const EntryStat& st,
                  bool with_content) {
  EtcNode node{st.kind, st.mode, st.uid, st.gid, {}, false};
  if (st.kind == FileKind::Symlink) {
    auto target = root.read_link(path);
    node.unreadable = !target;
    if (target) node.data = std::move(*target);
  } else if (st.kind == FileKind::Regular && with_content) {
    auto text = root.read_file(path, kMaxFileSize, Symlinks::Refuse);
    node.unreadable = !text;
    if (text) node.data = std::move(*text);
  }
  return node;
}

std::expected<void, Error> list_below(const RootDir& root, const std::string& etc_dir,
                                      const std::string& rel, int depth, bool with_content,
                                      EtcTree& tree) {
  const std::string dir = fmt::format("{}/{}", etc_dir, rel);
  if (depth >= kMaxDepth) {
    return std::unexpected(Error{"directories nested too deeply", dir, 0, ELOOP});
  }
  auto entries = root.list_dir_stat(dir);
  if (!entries) return std::unexpected(std::move(entries.error()));
  for (const auto& [entry, st] : *entries) {
    const std::string child = join(rel, entry.name);
    tree.emplace(child, make_node(root, fmt::format("{}/{}", etc_dir, child), st, with_content));
    if (st.kind != FileKind::Directory) continue;
    auto below = list_below(root, etc_dir, child, depth + 1, with_content, tree);
    if (!below) return below;
  }
  return {};
}

std::expected<bool, Error> is_directory(const RootDir& root, const std::string& path) {
  auto st = root.lstat(path);
  if (!st && st.error().errnum == ENOENT) return false;
  if (!st) return std::unexpected(std::move(st.error()));
  return st->kind == FileKind::Directory;
}

Error not_a_directory(std::string_view path) {
  return Error{"cannot open directory: a path component is not a directory", std::string(path), 0,
               ENOTDIR};
}

}  // namespace

std::expected<EtcTree, Error> list_etc_tree(const RootDir& root, const std::string& etc_dir,
                                            bool with_content) {
  EtcTree tree;
  for (std::string rel : {std::string("containers"), std::string(kSearchDir)}) {
    const std::string path = fmt::format("{}/{}", etc_dir, rel);
    auto st = root.lstat(path);
    if (!st && st.error().errnum == ENOENT) return tree;
    if (!st) return std::unexpected(std::move(st.error()));
    tree.emplace(rel, make_node(root, path, *st, with_content));
    if (st->kind != FileKind::Directory) return tree;
  }
  auto below = list_below(root, etc_dir, std::string(kSearchDir), 0, with_content, tree);
  if (!below) return std::unexpected(std::move(below.error()));
  return tree;
}

std::expected<EtcOverlay, Error> EtcOverlay::build(const RootDir& new_root, RootDir from) {
  auto from_etc = is_directory(from, "/etc");
  if (!from_etc) return std::unexpected(std::move(from_etc.error()));
  if (!*from_etc) {
    return std::unexpected(
        Error{"the root to inherit /etc from has no /etc directory", from.display_name(), 0, 0});
  }
  // A root that is no ostree deployment may lack /usr/etc: then all of its /etc counts as
  // the admin's.
  auto orig = list_etc_tree(from, "/usr/etc", true);
  auto modified = list_etc_tree(from, "/etc", true);
  if (!orig) return std::unexpected(std::move(orig.error()));
  if (!modified) return std::unexpected(std::move(modified.error()));

  auto new_etc = is_directory(new_root, "/etc");
  if (!new_etc) return std::unexpected(std::move(new_etc.error()));
  std::string base = *new_etc ? "/etc" : "/usr/etc";
  auto base_tree = list_etc_tree(new_root, base, false);
  if (!base_tree) return std::unexpected(std::move(base_tree.error()));

  int dup = ::fcntl(new_root.fd(), F_DUPFD_CLOEXEC, 0);
  if (dup < 0) {
    return std::unexpected(
        Error{"cannot duplicate the root's fd", new_root.display_name(), 0, errno});
  }
  auto new_raw = RootDir::adopt(Fd(dup), new_root.display_name());
  if (!new_raw) return std::unexpected(std::move(new_raw.error()));
  return EtcOverlay(std::move(*new_raw), std::move(from), std::move(base),
                    merge_etc(*orig, *modified, *base_tree));
}

bool EtcOverlay::covers(std::string_view path) {
  const std::string p = normalize_path("/", path);
  return p == "/etc" || p.starts_with("/etc/");
}

std::expected<EtcOverlay::Located, Error> EtcOverlay::locate(std::string_view path,
                                                             bool follow_last) const {
  std::string p = normalize_path("/", path);
  for (int hops = 0; hops <= kMaxHops; ++hops) {
    if (p == "/etc") return Located{nullptr, {}, base_};
    if (!p.starts_with("/etc/")) return Located{nullptr, {}, p};
    const std::string rel = p.substr(5);
    std::string cur;
    std::string next;
    for (std::size_t pos = 0; pos <= rel.size() && next.empty();) {
      const std::size_t slash = std::min(rel.find('/', pos), rel.size());
      cur = rel.substr(0, slash);
      const bool last = slash == rel.size();
      if (!in_view(cur)) return Located{nullptr, {}, fmt::format("{}/{}", base_, rel)};
      auto it = merge_.nodes.find(cur);
      if (it == merge_.nodes.end()) {
        return std::unexpected(
            Error{"no such file (or a dangling symlink)", std::string(path), 0, ENOENT});
      }
      const MergedNode& node = it->second;
      if (node.kind == FileKind::Symlink && (!last || follow_last)) {
        const std::string rest = last ? std::string() : rel.substr(slash);
        next = normalize_path(fmt::format("/etc/{}", parent_of(cur)), node.link_target + rest);
        break;
      }
      if (last) return Located{&node, cur, {}};
      if (node.kind != FileKind::Directory) return std::unexpected(not_a_directory(path));
      pos = slash + 1;
    }
    p = std::move(next);
  }
  return std::unexpected(Error{"too many levels of symbolic links", std::string(path), 0, ELOOP});
}

std::string EtcOverlay::side_path(const Located& at) const {
  return at.node->side == EtcSide::Booted ? fmt::format("/etc/{}", at.rel)
                                          : fmt::format("{}/{}", base_, at.rel);
}

std::expected<std::string, Error> EtcOverlay::read_file(std::string_view path,
                                                        std::size_t max_size) const {
  auto at = locate(path, true);
  if (!at) return std::unexpected(std::move(at.error()));
  if (!at->node) return new_raw_.read_file(at->outside, max_size);
  const RootDir& side = at->node->side == EtcSide::Booted ? from_ : new_raw_;
  // The view says what is there: a symlink appearing meanwhile is refused, not followed.
  auto text = side.read_file(side_path(*at), max_size, Symlinks::Refuse);
  if (!text) text.error().path = std::string(path);
  return text;
}

std::expected<std::vector<DirEntry>, Error> EtcOverlay::list_dir(std::string_view path) const {
  auto at = locate(path, true);
  if (!at) return std::unexpected(std::move(at.error()));
  if (!at->node) return new_raw_.list_dir(at->outside);
  if (at->node->kind != FileKind::Directory) return std::unexpected(not_a_directory(path));
  const std::string prefix = at->rel + "/";
  std::vector<DirEntry> out;
  for (auto it = merge_.nodes.lower_bound(prefix);
       it != merge_.nodes.end() && it->first.starts_with(prefix); ++it) {
    if (it->first.find('/', prefix.size()) != std::string::npos) continue;
    out.push_back(DirEntry{it->first.substr(prefix.size()), it->second.kind});
  }
  return out;
}

std::expected<std::string, Error> EtcOverlay::read_link(std::string_view path) const {
  auto at = locate(path, false);
  if (!at) return std::unexpected(std::move(at.error()));
  if (!at->node) return new_raw_.read_link(at->outside);
  if (at->node->kind != FileKind::Symlink) {
    return std::unexpected(Error{"not a symbolic link", std::string(path), 0, EINVAL});
  }
  return at->node->link_target;
}

std::expected<FileKind, Error> EtcOverlay::kind(std::string_view path) const {
  auto at = locate(path, true);
  if (!at) return std::unexpected(std::move(at.error()));
  if (!at->node) return new_raw_.kind(at->outside);
  return at->node->kind;
}

std::expected<std::string, Error> EtcOverlay::resolve(std::string_view path) const {
  auto at = locate(path, true);
  if (!at) return std::unexpected(std::move(at.error()));
  if (!at->node) return new_raw_.resolve(at->outside);
  return fmt::format("/etc/{}", at->rel);
}

}  // namespace quadlet_scan
