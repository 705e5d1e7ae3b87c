#include "quadlet-scan/opt_in.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "quadlet-scan/specifiers.hpp"
#include "quadlet-scan/unit_file.hpp"

namespace quadlet_scan {

namespace {

void read_bind_all(const RootDir& root, OptIn& out) {
  auto text = root.read_file(kRootpinConf);
  if (!text) {
    if (text.error().errnum != ENOENT) {
      out.problems.push_back({"rootpin.conf", std::move(text.error())});
    }
    return;
  }
  auto conf = parse_unit_file(*text);
  if (!conf) {
    out.problems.push_back(
        {"rootpin.conf", Error{conf.error().message, kRootpinConf, conf.error().line, 0}});
    return;
  }
  const Entry* all = conf->last("Bind", "All");
  if (all == nullptr) return;
  auto word = single_word(all->value);
  std::string value = word ? *word : all->value;
  if (value == "enabled") {
    out.all = BindAll::Enabled;
  } else if (auto b = parse_boolean(value); b && word) {
    out.all = *b ? BindAll::Yes : BindAll::No;
  } else {
    out.problems.push_back(
        {"rootpin.conf",
         Error{fmt::format("[Bind] All= must be yes, no or enabled, not \"{}\"", all->value),
               kRootpinConf, all->line, 0}});
  }
}

// The unit a link binds is named by its target. A link named after an instance that
// points at the bare template ("web@blue.container -> web@.container") binds the instance.
std::optional<UnitName> bound_unit_name(std::string_view link_name, std::string_view target) {
  auto name = parse_unit_name(base_name(target));
  if (!name) return std::nullopt;
  if (name->is_template()) {
    auto link_unit = parse_unit_name(link_name);
    if (link_unit && link_unit->is_instance() && link_unit->template_name() == name->full) {
      return link_unit;
    }
  }
  return name;
}

void read_bound_dir(const RootDir& root, const UnitIndex& index, const char* dir_path,
                    std::set<std::string>& seen, std::vector<BoundLink>& links, OptIn& out) {
  auto entries = root.list_dir(dir_path);
  if (!entries) {
    if (entries.error().errnum != ENOENT) {
      out.problems.push_back({std::string(base_name(dir_path)), std::move(entries.error())});
    }
    return;
  }
  auto dir = root.open_dir(dir_path);
  if (!dir) {
    out.problems.push_back({std::string(base_name(dir_path)), std::move(dir.error())});
    return;
  }
  links.reserve(links.size() + entries->size());
  for (const DirEntry& e : *entries) {
    std::string link_path = fmt::format("{}/{}", dir_path, e.name);
    if (e.kind != FileKind::Symlink) {
      out.problems.push_back(
          {e.name, Error{"not a symbolic link to a Quadlet unit", link_path, 0, 0}});
      continue;
    }
    auto target = dir->read_link(e.name);
    if (!target) {
      out.problems.push_back({e.name, std::move(target.error())});
      continue;
    }
    if (*target == "/dev/null") {
      out.masked.insert(e.name);
      continue;
    }
    std::string target_path = index.map_etc(normalize_path(dir_path, *target));
    auto name = bound_unit_name(e.name, target_path);
    if (!name) {
      out.problems.push_back(
          {e.name,
           Error{fmt::format("link target {} is not a Quadlet unit", *target), link_path, 0, 0}});
      continue;
    }
    if (!seen.insert(name->full).second) continue;
    links.push_back(BoundLink{std::move(link_path), name->full, std::move(target_path)});
  }
}

}  // namespace

OptIn read_opt_in(const RootDir& root, const UnitIndex& index) {
  OptIn out;
  read_bind_all(root, out);
  std::set<std::string> seen;
  std::vector<BoundLink> links;
  for (const char* dir : {kRootpinBoundDir, kBootcBoundDir}) {
    read_bound_dir(root, index, dir, seen, links, out);
  }
  // A mask in either directory wins, as systemd's /dev/null links do.
  out.links.reserve(links.size());
  for (BoundLink& link : links) {
    if (!out.masked.contains(link.unit_name)) {
      out.links.push_back(std::move(link));
    }
  }
  return out;
}

}  // namespace quadlet_scan
