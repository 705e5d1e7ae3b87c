#pragma once
// Reads one Quadlet unit from the root with its drop-ins merged, and turns its values
// into words with specifiers expanded. Every error names the file and line.

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "quadlet-scan/error.hpp"
#include "quadlet-scan/root_dir.hpp"
#include "quadlet-scan/search_paths.hpp"
#include "quadlet-scan/specifiers.hpp"
#include "quadlet-scan/unit_file.hpp"

namespace quadlet_scan {

struct LoadedUnit {
  UnitName name;
  std::string source;  // the file actually read (the template's for a missing instance)
  UnitFile file;       // with drop-ins merged; every entry's origin is set
};

// Reads `source` (or, for an instance whose file is missing, the template next to it),
// then its drop-ins from the search paths (see dropin_dir_names).
std::expected<LoadedUnit, Error> load_unit(const RootDir& root, const UnitIndex& index,
                                           const UnitName& name, const std::string& source);

// Whether a unit file (without drop-ins) can be read and parsed.
bool unit_file_loads(const RootDir& root, const std::string& path);

// The drop-in directory names of a unit, most specific first, as podman 5 searches them:
// "foo-bar@x.container.d", "foo-bar@.container.d" (an instance's template),
// "foo-@.container.d" and "foo-.container.d" (each dash-truncated prefix, longest first;
// the "@" form only for templates and instances), "container.d" (the type's top level).
std::vector<std::string> dropin_dir_names(const UnitName& name);

// The value of an entry as one word (unquoted, unescaped), specifiers expanded for unit.
std::expected<std::string, Error> entry_word(const Entry& entry, const UnitName& unit);

// An error about an entry: "Key=: message" at the entry's file and line.
Error entry_error(const Entry& entry, std::string_view message);

// The Quadlet section of a unit type: "Container", "Image", ...
std::string_view section_of(UnitType type);

}  // namespace quadlet_scan
