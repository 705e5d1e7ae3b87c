#include "quadlet-scan/kube_yaml.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "quadlet-scan/utf8.hpp"

namespace quadlet_scan {

namespace {

unsigned line_of(const YAML::Mark& mark) {
  return mark.line >= 0 ? static_cast<unsigned>(mark.line) + 1 : 0;
}

unsigned line_at(std::string_view text, std::size_t offset) {
  return static_cast<unsigned>(std::count(text.begin(), text.begin() + offset, '\n')) + 1;
}

std::optional<KubeYamlError> check_bytes(std::string_view text) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    return KubeYamlError{line_at(text, nul), "contains a NUL byte"};
  }
  if (auto bad = find_invalid_utf8(text)) {
    return KubeYamlError{line_at(text, *bad), "is not valid UTF-8"};
  }
  return std::nullopt;
}

// The scalar at node[key] of a mapping, or nullopt.
// A missing key gives an invalid node, on which yaml-cpp throws for anything but
// IsDefined(): every look-up checks that first.
std::optional<std::string> scalar(const YAML::Node& node, const char* key) {
  if (!node.IsDefined() || !node.IsMap()) return std::nullopt;
  const YAML::Node value = node[key];
  if (!value.IsDefined() || !value.IsScalar()) return std::nullopt;
  return value.Scalar();
}

YAML::Node child(const YAML::Node& node, const char* key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node();
  return node[key];
}

class Reader {
public:
  explicit Reader(KubeYaml& out) : out_(out) {}

  std::optional<KubeYamlError> document(const YAML::Node& doc, bool in_list) {
    if (doc.IsNull()) return std::nullopt;  // an empty document: podman skips it too
    if (!doc.IsMap()) {
      return KubeYamlError{line_of(doc.Mark()),
                           in_list ? "a List item is not a mapping"
                                   : "a YAML document is not a mapping (not a Kubernetes object)"};
    }
    const std::string kind = scalar(doc, "kind").value_or("");
    if (kind == "List" && !in_list) {
      const YAML::Node items = child(doc, "items");
      if (!items.IsDefined() || items.IsNull()) return std::nullopt;
      if (!items.IsSequence()) return KubeYamlError{line_of(items.Mark()), "List items is not a list"};
      for (const YAML::Node& item : items) {
        if (auto e = document(item, true)) return e;
      }
      return std::nullopt;
    }
    if (kind == "Pod") return pod_spec(child(doc, "spec"), kind);
    if (kind == "Deployment" || kind == "DaemonSet" || kind == "Job") {
      return pod_spec(child(child(child(doc, "spec"), "template"), "spec"), kind);
    }
    if (kind == "StatefulSet" || kind == "ReplicaSet" || kind == "CronJob") {
      out_.skipped.push_back(KubeSkipped{kind, line_of(doc.Mark())});
    }
    return std::nullopt;  // ConfigMap, Secret, PersistentVolumeClaim, ...: no container
  }

private:
  std::optional<KubeYamlError> pod_spec(const YAML::Node& spec, const std::string& kind) {
    for (const char* list : {"initContainers", "containers"}) {
      const YAML::Node containers = child(spec, list);
      if (!containers.IsDefined() || containers.IsNull()) continue;
      if (!containers.IsSequence()) {
        return KubeYamlError{line_of(containers.Mark()),
                             fmt::format("{} {} is not a list", kind, list)};
      }
      for (const YAML::Node& c : containers) {
        if (auto e = container(c, kind)) return e;
      }
    }
    // Image volumes (volumes[].image.reference): podman pulls them for the pod too.
    const YAML::Node volumes = child(spec, "volumes");
    if (volumes.IsDefined() && volumes.IsSequence()) {
      for (const YAML::Node& v : volumes) {
        const YAML::Node source = child(v, "image");
        if (!source.IsDefined() || source.IsNull()) continue;
        const YAML::Node ref = child(source, "reference");
        const std::string name = scalar(v, "name").value_or("");
        if (!ref.IsDefined() || !ref.IsScalar() || ref.Scalar().empty()) {
          return KubeYamlError{line_of(source.Mark()),
                               fmt::format("{} image volume \"{}\" has no reference", kind,
                                           printable(name))};
        }
        out_.images.push_back(KubeImage{ref.Scalar(), line_of(ref.Mark()), kind,
                                        "volume " + name,
                                        scalar(source, "pullPolicy").value_or("")});
      }
    }
    return std::nullopt;
  }

  std::optional<KubeYamlError> container(const YAML::Node& c, const std::string& kind) {
    const std::string name = scalar(c, "name").value_or("");
    const YAML::Node image = child(c, "image");
    if (!image.IsDefined() || !image.IsScalar() || image.Scalar().empty()) {
      return KubeYamlError{line_of(image.IsDefined() ? image.Mark() : c.Mark()),
                           fmt::format("{} container \"{}\" has no image", kind, printable(name))};
    }
    out_.images.push_back(KubeImage{image.Scalar(), line_of(image.Mark()), kind, name,
                                    scalar(c, "imagePullPolicy").value_or("")});
    return std::nullopt;
  }

  KubeYaml& out_;
};

}  // namespace

std::expected<KubeYaml, KubeYamlError> read_kube_yaml(std::string_view text) {
  if (auto e = check_bytes(text)) return std::unexpected(std::move(*e));
  KubeYaml out;
  try {
    const std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
    Reader reader(out);
    for (const YAML::Node& doc : docs) {
      if (auto e = reader.document(doc, false)) return std::unexpected(std::move(*e));
    }
  } catch (const YAML::Exception& e) {
    return std::unexpected(KubeYamlError{line_of(e.mark), fmt::format("bad YAML: {}", e.msg)});
  }
  return out;
}

}  // namespace quadlet_scan
