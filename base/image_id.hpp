#pragma once
// Image IDs as rootpin keeps them: the bare hex. podman prints an image's ID bare in
// `podman images`, and "sha256:<hex>" in `podman ps` (ImageID) and in some `podman pull`
// outputs. Each ID is normalised once where it enters (the podman adapters, the ledger), so
// that everything after compares IDs as they are. Manifest digests keep their algorithm:
// "sha256:<hex>" is how registries, podman and the ledger name them.

#include <string>
#include <string_view>

namespace rootpin::util {

// The algorithm prefix of image IDs and manifest digests.
inline constexpr std::string_view kSha256Prefix = "sha256:";

// "sha256:<hex>" -> "<hex>"; an ID written bare stays as it is.
std::string bare_image_id(std::string_view id);

}  // namespace rootpin::util
