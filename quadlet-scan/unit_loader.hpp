#pragma once
// Reads one Quadlet unit from the root with its drop-ins merged, and turns its values
// into words with specifiers expanded. Every error names the file and line.

#include <expected>
#include <string>
#include <string_view>

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
// then NAME.d/*.conf and the template's drop-ins from the search paths.
std::expected<LoadedUnit, Error> load_unit(const RootDir& root, const UnitIndex& index,
                                           const UnitName& name, const std::string& source);

// The value of an entry as one word (unquoted, unescaped), specifiers expanded for unit.
std::expected<std::string, Error> entry_word(const Entry& entry, const UnitName& unit);

// An error about an entry: "Key=: message" at the entry's file and line.
Error entry_error(const Entry& entry, std::string_view message);

// The Quadlet section of a unit type: "Container", "Image", ...
std::string_view section_of(UnitType type);

}  // namespace quadlet_scan
