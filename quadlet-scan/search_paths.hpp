#pragma once
// Quadlet's system search paths inside a root, walked once as podman 5's generator walks
// them (cmd/quadlet/main.go): which file each unit name comes from (first in precedence
// order wins) and where every drop-in directory is, so that resolving a unit costs no
// system call for a drop-in level that does not exist.

#include <cstddef>
#include <expected>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "quadlet-scan/error.hpp"
#include "quadlet-scan/root_dir.hpp"

namespace quadlet_scan {

struct DropinDir {
  std::size_t order;  // walk order of the search directory holding it: lower goes first
  std::string path;
};

struct UnitIndex {
  // A root without /etc (a commit's tree) reads /usr/etc in its place. A staged
  // deployment's /etc is read as ostree's merge will make it (RootDir::inherit_etc_from).
  bool etc_missing = false;
  std::vector<std::string> search_dirs;      // in precedence order, as read
  std::map<std::string, std::string> units;  // unit name -> path of the file that wins
  // unit name -> the files of that name that lose, in precedence order. Quadlet uses the
  // next one when the winner cannot be read or parsed.
  std::map<std::string, std::vector<std::string>> shadowed;
  std::set<std::string> masked;  // names whose winning entry links to /dev/null
  // "web.container.d" -> every directory of that name directly in a search directory
  // (a symlink to a directory counts), in walk order.
  std::map<std::string, std::vector<DropinDir>> dropin_dirs;
  // Directories that could not be read (other than missing ones): reported, not fatal.
  std::vector<Error> errors;

  // "/etc/x" -> "/usr/etc/x" when the root has no /etc; anything else unchanged.
  std::string map_etc(std::string_view path) const;
  const std::string* find(std::string_view unit_name) const;
};

// Fails only if the root itself cannot be read.
std::expected<UnitIndex, Error> index_search_paths(const RootDir& root);

// Joins "/a/b" and "c" and collapses ".", ".." and repeated slashes lexically, never
// above "/" (as the kernel does with RESOLVE_IN_ROOT).
std::string normalize_path(std::string_view base_dir, std::string_view path);

// The last component of a path.
std::string_view base_name(std::string_view path);

}  // namespace quadlet_scan
