#pragma once
// The design's lint: things that let a bound unit miss its pinned image at boot.
// Each check returns a warning "file:line: message" or nothing.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quadlet-scan/error.hpp"
#include "quadlet-scan/image_ref.hpp"
#include "quadlet-scan/scanner.hpp"
#include "quadlet-scan/specifiers.hpp"
#include "quadlet-scan/unit_file.hpp"

namespace quadlet_scan {

// A .container that does not read any of `stores` as an additional image store
// (GlobalArgs=--storage-opt=additionalimagestore=PATH) will not see its pinned image.
std::optional<std::string> lint_store(const UnitFile& container, const std::string& source,
                                      const std::vector<std::string>& stores);

// A Mount=type=image in a .container that reads one of `stores` as an additional image
// store: podman 5.4's containers/storage mounts only layers of its own (writable) store and
// refuses a read-only store's ("mounting read/only store images is not allowed"), so the
// container fails to start with the pinned image. `where` is the Mount= line.
std::optional<std::string> lint_image_mount(const UnitFile& container,
                                            const std::vector<std::string>& stores,
                                            const Error& where);

// The .image trap of podman 5.4 (Debian 13): its .image units have no Policy= (it came in
// podman 5.6; 5.4 rejects the key and generates no service), and `podman image pull` has
// no pull policy, so NAME-image.service pulls at every boot and fails offline, and so does
// every .container that names NAME.image (it requires that service). Always a warning,
// saying exactly what happens with each podman and what to write instead. `where` is the
// .image unit's Policy= (or Image=) line.
std::string lint_image_unit(const PullOptions& pull, const UnitName& image_unit,
                            const Error& where);

// A .kube with several Yaml=: podman 5.4 plays only the last one (several came in 5.7).
std::string lint_yaml_repeated(const Error& where, std::string_view used);

// A document podman kube play runs no container of (StatefulSet, ReplicaSet, CronJob).
std::string lint_kube_skipped(std::string_view kind, const Error& where);

// imagePullPolicy: Always pulls at every start of the pod.
std::optional<std::string> lint_kube_pull_policy(std::string_view policy, const Error& where);

// Pull=always on a .container defeats the pre-pull.
std::optional<std::string> lint_container_pull(const std::optional<std::string>& pull,
                                               const Error& where);

// A reference without a digest floats: exact rollback then rests on `rootpin boot`.
std::optional<std::string> lint_digest(const ImageRef& ref, const Error& where);

}  // namespace quadlet_scan
