#pragma once
// The design's lint: things that let a bound unit miss its pinned image at boot.
// Each check returns a warning "file:line: message" or nothing.

#include <optional>
#include <string>
#include <vector>

#include "quadlet-scan/error.hpp"
#include "quadlet-scan/image_ref.hpp"
#include "quadlet-scan/scanner.hpp"
#include "quadlet-scan/unit_file.hpp"

namespace quadlet_scan {

// A .container that does not read any of `stores` as an additional image store
// (GlobalArgs=--storage-opt=additionalimagestore=PATH) will not see its pinned image.
std::optional<std::string> lint_store(const UnitFile& container, const std::string& source,
                                      const std::vector<std::string>& stores);

// A .image whose Policy= is not missing or never pulls again at boot (and fails offline).
// `where` is the .image unit's Policy= (or Image=) line.
std::optional<std::string> lint_image_policy(const PullOptions& pull, const Error& where);

// Pull=always on a .container defeats the pre-pull.
std::optional<std::string> lint_container_pull(const std::optional<std::string>& pull,
                                               const Error& where);

// A reference without a digest floats: exact rollback then rests on `rootpin boot`.
std::optional<std::string> lint_digest(const ImageRef& ref, const Error& where);

}  // namespace quadlet_scan
