#pragma once
// What a root opts in: bound-images.d links (rootpin's and bootc's), their /dev/null masks,
// and [Bind] All= in /usr/lib/rootpin/rootpin.conf.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "quadlet-scan/error.hpp"
#include "quadlet-scan/root_dir.hpp"
#include "quadlet-scan/search_paths.hpp"

namespace quadlet_scan {

inline constexpr const char* kRootpinBoundDir = "/usr/lib/rootpin/bound-images.d";
inline constexpr const char* kBootcBoundDir = "/usr/lib/bootc/bound-images.d";
inline constexpr const char* kRootpinConf = "/usr/lib/rootpin/rootpin.conf";

enum class BindAll { No, Yes, Enabled };

struct BoundLink {
  std::string link;       // the link's path inside the root
  std::string unit_name;  // the unit it binds, e.g. "web@blue.container"
  std::string target;     // the unit file's path inside the root, normalized
};

// Something in the opt-in configuration that is wrong: reported as a failed "unit" named
// after the file, so it shows up in the output and the exit status.
struct OptInProblem {
  std::string name;  // e.g. "rootpin.conf" or the link's file name
  Error error;
};

struct OptIn {
  BindAll all = BindAll::No;
  std::vector<BoundLink> links;  // unit names unique, rootpin's directory first
  std::set<std::string> masked;  // unit names linked to /dev/null
  std::vector<OptInProblem> problems;
};

OptIn read_opt_in(const RootDir& root, const UnitIndex& index);

}  // namespace quadlet_scan
