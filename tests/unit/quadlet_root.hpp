#pragma once
// Test support for quadlet-scan: a root built in a temp dir, scanned through RootDir.

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "quadlet-scan/root_dir.hpp"
#include "quadlet-scan/scanner.hpp"
#include "tests/unit/temp_dir.hpp"

namespace quadlet_test {

inline constexpr const char* kShare = "usr/share/containers/systemd/";
inline constexpr const char* kEtc = "etc/containers/systemd/";
inline constexpr const char* kBound = "usr/lib/rootpin/bound-images.d/";
inline constexpr const char* kStore =
    "GlobalArgs=--storage-opt=additionalimagestore=/var/lib/rootpin/storage\n";

struct QuadletRoot {
  test_support::TempDir tmp;
  QuadletRoot() { tmp.mkdir("root/etc"); }

  void write(std::string_view rel, std::string_view text) const {
    tmp.write(fmt::format("root/{}", rel), text);
  }
  void share(std::string_view rel, std::string_view text) const {
    write(fmt::format("{}{}", kShare, rel), text);
  }
  void etc(std::string_view rel, std::string_view text) const {
    write(fmt::format("{}{}", kEtc, rel), text);
  }
  void link(std::string_view rel, std::string_view target) const {
    tmp.symlink(fmt::format("root/{}", rel), target);
  }
  quadlet_scan::ScanResult scan(quadlet_scan::ScanMode mode = quadlet_scan::ScanMode::All) const {
    auto root = quadlet_scan::RootDir::open((tmp / "root").string());
    REQUIRE(root.has_value());
    quadlet_scan::ScanOptions options;
    options.mode = mode;
    auto result = quadlet_scan::scan_root(*root, options);
    REQUIRE(result.has_value());
    return std::move(*result);
  }
};

inline const quadlet_scan::UnitResult* find_unit(const quadlet_scan::ScanResult& r,
                                                 std::string_view unit) {
  auto it = std::find_if(r.units.begin(), r.units.end(),
                         [&](const quadlet_scan::UnitResult& u) { return u.unit == unit; });
  return it == r.units.end() ? nullptr : &*it;
}

inline const quadlet_scan::UnitResult& unit_of(const quadlet_scan::ScanResult& r,
                                               std::string_view unit) {
  const quadlet_scan::UnitResult* u = find_unit(r, unit);
  INFO("unit ", unit);
  REQUIRE(u != nullptr);
  return *u;
}

// The references of a unit's images, in order.
inline std::vector<std::string> refs(const quadlet_scan::UnitResult& u) {
  std::vector<std::string> out;
  for (const auto& i : u.images) out.push_back(i.reference);
  return out;
}

inline bool warns(const quadlet_scan::UnitResult& u, std::string_view needle) {
  return std::any_of(u.warnings.begin(), u.warnings.end(),
                     [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

}  // namespace quadlet_test
