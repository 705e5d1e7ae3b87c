#pragma once
// One unit to a UnitResult: its image (directly, through an .image unit, or built by a
// .build unit), its pull options and its lint.

#include <optional>
#include <string>

#include "quadlet-scan/root_dir.hpp"
#include "quadlet-scan/scanner.hpp"
#include "quadlet-scan/search_paths.hpp"
#include "quadlet-scan/specifiers.hpp"

namespace quadlet_scan {

struct ResolveContext {
  const RootDir& root;
  const UnitIndex& index;
  const ScanOptions& options;
};

struct UnitRef {
  UnitName name;
  std::string source;                   // file to read, inside the root
  std::optional<std::string> bound_by;  // the bound-images.d link, if any
};

// All=enabled binds only the units that start at boot: those with an [Install] section.
enum class InstallFilter { Any, RequireInstall };

// nullopt when the filter leaves the unit out. A bare template ("web@.container") is
// resolved as its DefaultInstance= (with the template's drop-ins, as systemd instantiates
// the generated web@.service), or reported as unsupported without one.
std::optional<UnitResult> resolve_unit(const ResolveContext& ctx, const UnitRef& ref,
                                       InstallFilter filter);

// True for the unit types that can name an image (.container .image .volume .build .kube).
bool may_name_image(UnitType type);

}  // namespace quadlet_scan
