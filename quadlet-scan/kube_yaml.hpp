#pragma once
// The images of a Kubernetes YAML file as `podman kube play` runs it (podman 5.4,
// pkg/domain/infra/abi/play.go): every container and initContainer, and every image
// volume, of each Pod, Deployment, DaemonSet and Job document, a List's items taken as
// documents. Other kinds
// run no container. Pure: text in, images out; parsed with libyaml, never by hand.
// Only .kube units call it, so a root without them never runs this code.

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace quadlet_scan {

struct KubeImage {
  std::string image;        // the container's image: as written, not validated here
  unsigned line = 0;        // 1-based line of the image (or of the container without one)
  std::string kind;         // "Pod", "Deployment", ...
  std::string container;    // the container's name, or "volume NAME" for an image volume
  std::string pull_policy;  // imagePullPolicy (pullPolicy of a volume) as written, or ""
};

// A document that podman kube play reads but runs no container of (StatefulSet, ...).
struct KubeSkipped {
  std::string kind;
  unsigned line = 0;
};

struct KubeYaml {
  std::vector<KubeImage> images;  // in document order; an image may repeat
  std::vector<KubeSkipped> skipped;
};

struct KubeYamlError {
  unsigned line = 0;  // 1-based; 0 when unknown
  std::string message;
};

// Rejects NUL bytes and invalid UTF-8 as unit files do; a YAML syntax error, a document
// that is not a mapping or a container without an image is an error at its line.
std::expected<KubeYaml, KubeYamlError> read_kube_yaml(std::string_view text);

}  // namespace quadlet_scan
