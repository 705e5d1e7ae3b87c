#pragma once
// Which Quadlet units a root opts in, and what each one pulls.

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "quadlet-scan/error.hpp"
#include "quadlet-scan/pull_policy.hpp"
#include "quadlet-scan/root_dir.hpp"

namespace quadlet_scan {

enum class ScanMode { Bound, All };

// The pull options a unit sets. Paths name the *running* system's files.
struct PullOptions {
  std::optional<std::string> authfile;
  std::optional<bool> tls_verify;
  std::optional<std::string> arch;
  std::optional<std::string> os;
  std::optional<std::string> variant;
  std::optional<std::string> cert_dir;
  std::optional<std::string> creds;  // a secret: never logged
  std::optional<std::string> decryption_key;
  std::optional<bool> all_tags;
  std::optional<int> retry;
  std::optional<std::string> retry_delay;
  std::optional<PullPolicy> policy;  // .image Policy=

  bool operator==(const PullOptions&) const = default;
};

// One image a unit needs, and what named it.
struct ImageUse {
  std::string reference;                 // as written (unquoted), pullable
  std::string key;                       // "Image", "Mount", "Yaml" (.kube), ...
  std::string file;                      // the file that named it (unit, drop-in, YAML)
  unsigned line = 0;                     // its line in that file
  std::optional<std::string> via;        // "models.image": the .image unit it came from
  std::optional<std::string> image_tag;  // ImageTag= of that .image unit
  PullOptions pull;

  bool operator==(const ImageUse&) const = default;
};

struct UnitResult {
  std::string unit;                     // "web.container"
  std::string source;                   // path inside the root of the unit file
  std::optional<std::string> bound_by;  // the bound-images.d link, when bound by one
  // A bare template bound as its DefaultInstance=: that instance ("web@main.container").
  std::optional<std::string> default_instance;
  // Every image the unit needs, in the order the unit names them (Image= first, then
  // each Mount=type=image or type=volume of a Driver=image .volume, then each Volume= of
  // one; a .kube's in YAML order), each reference once.
  std::vector<ImageUse> images;
  // The first of `images`, kept for the single-image form (--json's top-level keys).
  std::optional<std::string> image;      // reference as written (unquoted)
  std::optional<std::string> image_tag;  // ImageTag= of the .image unit
  PullOptions pull;
  std::optional<std::string> container_pull;  // Pull= of a .container (for lint only)
  std::optional<std::string> built_locally;   // .build image: "localhost/..."
  std::optional<std::string> unsupported;     // e.g. ".kube units are not supported yet"
  std::optional<Error> error;                 // this unit could not be resolved
  std::vector<std::string> warnings;          // lint

  // `image` alone counts for results made by hand in the single-image form.
  bool pullable() const { return (!images.empty() || image) && !error; }
};

struct ScanOptions {
  ScanMode mode = ScanMode::Bound;
  // Stores a bound .container must read as an additional image store (lint).
  std::vector<std::string> stores = {"/var/lib/rootpin/storage"};
};

struct ScanResult {
  std::vector<UnitResult> units;  // sorted by unit name
  bool all_resolved() const;
};

// Errors only when the root itself cannot be read; per-unit problems are in the results.
std::expected<ScanResult, Error> scan_root(const RootDir& root, const ScanOptions& options);

// One JSON object (no newline) in the design's --json format; keys present only when set.
std::string to_json_line(const UnitResult& unit);
// The same, appended to out (a whole scan's output is one buffer).
void append_json_line(std::string& out, const UnitResult& unit);

}  // namespace quadlet_scan
