#pragma once
// One Mount= word of a .container as podman 5.4 reads it (pkg/specgenutilexternal
// FindMountType, then Quadlet's resolveContainerMountParams): comma separated values in
// CSV syntax, "type=T" the first token that is exactly that, the source the last
// "source=" or "src=" token. Pure.

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quadlet_scan {

struct MountSpec {
  std::string type;                   // "image", "bind", "volume", ...
  std::optional<std::string> source;  // the last source=/src= value, if any
};

// The CSV fields of one record (Go's encoding/csv with its defaults); an error for bare or
// unterminated quotes and for more or fewer than one record.
std::expected<std::vector<std::string>, std::string> split_csv_record(std::string_view text);

// An error when the word has no "type=" token or is not valid CSV (Quadlet then fails the
// whole unit), or when a source token of a bind, glob, image or volume mount has no "=".
std::expected<MountSpec, std::string> parse_mount(std::string_view word);

}  // namespace quadlet_scan
