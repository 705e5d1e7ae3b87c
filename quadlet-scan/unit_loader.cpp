#include "quadlet-scan/unit_loader.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace quadlet_scan {

namespace {

std::expected<UnitFile, Error> read_unit_file(const RootDir& root, const std::string& path) {
  auto text = root.read_file(path);
  if (!text) {
    return std::unexpected(std::move(text.error()));
  }
  auto parsed = parse_unit_file(*text);
  if (!parsed) {
    return std::unexpected(Error{parsed.error().message, path, parsed.error().line, 0});
  }
  for (Section& s : parsed->sections) {
    for (Entry& e : s.entries) e.origin = path;
  }
  return std::move(*parsed);
}

// Quadlet's rule (podman 5 cmd/quadlet/main.go, loadUnitDropins): for each search
// directory in precedence order, each drop-in directory name from the most specific to
// the broadest; the first file of a given name wins, and the winners are merged in
// lexical order of their names (so a later file overrides an earlier one's keys).
std::expected<std::vector<std::string>, Error> dropin_files(const RootDir& root,
                                                            const UnitIndex& index,
                                                            const UnitName& name) {
  struct Dir {
    std::size_t order;
    std::size_t rank;  // position in dropin_dir_names: 0 = the unit's own NAME.d
    const std::string* path;
  };
  // A root without drop-in directories (the walk saw none) costs nothing per unit.
  if (index.dropin_dirs.empty()) return std::vector<std::string>{};
  std::vector<Dir> dirs;
  const std::vector<std::string> names = dropin_dir_names(name);
  for (std::size_t rank = 0; rank < names.size(); ++rank) {
    auto it = index.dropin_dirs.find(names[rank]);
    if (it == index.dropin_dirs.end()) continue;
    for (const DropinDir& d : it->second) dirs.push_back(Dir{d.order, rank, &d.path});
  }
  if (dirs.empty()) return std::vector<std::string>{};
  std::stable_sort(dirs.begin(), dirs.end(), [](const Dir& a, const Dir& b) {
    return std::pair(a.order, a.rank) < std::pair(b.order, b.rank);
  });

  std::map<std::string, std::string> winners;  // file name -> path, sorted by name
  for (const Dir& d : dirs) {
    auto entries = root.list_dir(*d.path);
    if (!entries) return std::unexpected(std::move(entries.error()));
    for (const DirEntry& e : *entries) {
      if (!e.name.ends_with(".conf") || e.kind == FileKind::Directory) continue;
      winners.emplace(e.name, fmt::format("{}/{}", *d.path, e.name));
    }
  }
  std::vector<std::string> files;
  files.reserve(winners.size());
  for (auto& [file_name, path] : winners) files.push_back(std::move(path));
  return files;
}

}  // namespace

std::expected<LoadedUnit, Error> load_unit(const RootDir& root, const UnitIndex& index,
                                           const UnitName& name, const std::string& source) {
  LoadedUnit unit{name, source, {}};
  UnitName dropins_of = name;
  auto file = read_unit_file(root, source);
  if (!file && file.error().errnum == ENOENT && name.is_instance()) {
    // systemd instantiates the template's generated service for an instance that has no
    // file of its own: the template's file and drop-ins, the instance's name.
    std::string dir(source.substr(0, source.size() - base_name(source).size()));
    std::string template_path = dir + name.template_name();
    if (auto t = read_unit_file(root, template_path)) {
      file = std::move(t);
      unit.source = std::move(template_path);
      if (auto t_name = parse_unit_name(name.template_name())) dropins_of = *t_name;
    }
  }
  if (!file) {
    return std::unexpected(std::move(file.error()));
  }
  unit.file = std::move(*file);

  auto dropins = dropin_files(root, index, dropins_of);
  if (!dropins) {
    return std::unexpected(std::move(dropins.error()));
  }
  for (const std::string& path : *dropins) {
    auto dropin = read_unit_file(root, path);
    if (!dropin) {
      return std::unexpected(std::move(dropin.error()));
    }
    unit.file.merge(*dropin);
  }
  return unit;
}

bool unit_file_loads(const RootDir& root, const std::string& path) {
  return read_unit_file(root, path).has_value();
}

std::vector<std::string> dropin_dir_names(const UnitName& name) {
  // podman's UnitFile.GetUnitDropinPaths(), most specific first.
  const std::string ext = name.suffix + ".d";  // ".container.d"
  const bool templated = name.is_template() || name.is_instance();
  std::vector<std::string> out{name.full + ".d"};
  if (name.is_instance()) out.push_back(name.prefix + "@" + ext);
  std::vector<std::size_t> dashes;  // each '-' of the prefix
  for (std::size_t i = 0; i < name.prefix.size(); ++i) {
    if (name.prefix[i] == '-') dashes.push_back(i);
  }
  for (auto it = dashes.rbegin(); it != dashes.rend(); ++it) {
    const std::string truncated = name.prefix.substr(0, *it + 1);  // "foo-bar-"
    if (templated) out.push_back(fmt::format("{}@{}", truncated, ext));
    out.push_back(truncated + ext);
  }
  out.push_back(ext.substr(1));  // "container.d"
  return out;
}

Error entry_error(const Entry& entry, std::string_view message) {
  return Error{fmt::format("{}=: {}", entry.key, message), entry.origin, entry.line, 0};
}

std::expected<std::string, Error> entry_word(const Entry& entry, const UnitName& unit) {
  auto word = single_word(entry.value);
  if (!word) {
    return std::unexpected(entry_error(entry, word.error()));
  }
  auto expanded = expand_specifiers(*word, unit);
  if (!expanded) {
    return std::unexpected(entry_error(entry, expanded.error()));
  }
  return std::move(*expanded);
}

std::string_view section_of(UnitType type) {
  switch (type) {
    case UnitType::Container: return "Container";
    case UnitType::Image: return "Image";
    case UnitType::Volume: return "Volume";
    case UnitType::Build: return "Build";
    case UnitType::Kube: return "Kube";
    case UnitType::Network: return "Network";
    case UnitType::Pod: return "Pod";
    case UnitType::Other: break;
  }
  return "";
}

}  // namespace quadlet_scan
