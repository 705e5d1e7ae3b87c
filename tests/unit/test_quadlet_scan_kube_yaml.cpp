// The Kubernetes YAML reader of .kube units, on literal documents.

#include <doctest/doctest.h>

#include <string>

#include "quadlet-scan/kube_yaml.hpp"

using quadlet_scan::read_kube_yaml;

namespace {

std::vector<std::string> images_of(std::string_view text) {
  auto y = read_kube_yaml(text);
  REQUIRE(y.has_value());
  std::vector<std::string> out;
  for (const auto& i : y->images) out.push_back(i.image);
  return out;
}

}  // namespace

TEST_CASE("kube yaml: a Pod's initContainers and containers, with their lines") {
  auto y = read_kube_yaml(
      "apiVersion: v1\n"
      "kind: Pod\n"
      "metadata:\n"
      "  name: etcd\n"
      "spec:\n"
      "  containers:\n"
      "  - name: etcd\n"
      "    image: quay.io/coreos/etcd:v3.5.9\n"
      "  - name: \"sidecar\"\n"
      "    image: "
      "'quay.io/acme/"
      "side@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'\n"
      "  initContainers:\n"
      "  - name: init\n"
      "    image: quay.io/acme/init:1\n"
      "    imagePullPolicy: Always\n");
  REQUIRE(y.has_value());
  REQUIRE(y->images.size() == 3);
  CHECK(y->images[0].image == "quay.io/acme/init:1");  // init containers run first
  CHECK(y->images[0].line == 13);
  CHECK(y->images[0].pull_policy == "Always");
  CHECK(y->images[1].image == "quay.io/coreos/etcd:v3.5.9");
  CHECK(y->images[1].line == 8);
  CHECK(y->images[1].kind == "Pod");
  CHECK(y->images[1].container == "etcd");
  CHECK(y->images[2].image.ends_with("0123456789abcdef"));
  CHECK(y->skipped.empty());
}

TEST_CASE("kube yaml: Deployment, DaemonSet and Job templates; several documents") {
  CHECK(images_of("kind: Deployment\n"
                  "spec:\n"
                  "  template:\n"
                  "    spec:\n"
                  "      containers:\n"
                  "      - {name: a, image: quay.io/acme/a:1}\n"
                  "---\n"
                  "kind: DaemonSet\n"
                  "spec: {template: {spec: {containers: [{name: b, image: quay.io/acme/b:1}]}}}\n"
                  "---\n"
                  "# a comment-only document\n"
                  "---\n"
                  "kind: Job\n"
                  "spec:\n"
                  "  template:\n"
                  "    spec:\n"
                  "      initContainers: [{name: c, image: quay.io/acme/c:1}]\n"
                  "      containers: [{name: d, image: quay.io/acme/d:1}]\n") ==
        std::vector<std::string>{"quay.io/acme/a:1", "quay.io/acme/b:1", "quay.io/acme/c:1",
                                 "quay.io/acme/d:1"});
}

TEST_CASE("kube yaml: other kinds name no image; StatefulSet and ReplicaSet are noted") {
  auto y = read_kube_yaml(
      "kind: ConfigMap\ndata: {image: quay.io/not/an:image}\n"
      "---\n"
      "kind: Secret\nstringData: {x: y}\n"
      "---\n"
      "kind: PersistentVolumeClaim\nspec: {}\n"
      "---\n"
      "kind: StatefulSet\n"
      "spec: {template: {spec: {containers: [{name: s, image: quay.io/acme/s:1}]}}}\n"
      "---\n"
      "kind: ReplicaSet\n"
      "spec: {template: {spec: {containers: [{name: r, image: quay.io/acme/r:1}]}}}\n");
  REQUIRE(y.has_value());
  CHECK(y->images.empty());
  REQUIRE(y->skipped.size() == 2);
  CHECK(y->skipped[0].kind == "StatefulSet");
  CHECK(y->skipped[0].line == 10);
  CHECK(y->skipped[1].kind == "ReplicaSet");
}

TEST_CASE("kube yaml: a List's items are documents; image volumes count") {
  CHECK(images_of("apiVersion: v1\n"
                  "kind: List\n"
                  "items:\n"
                  "- kind: Pod\n"
                  "  spec:\n"
                  "    containers: [{name: a, image: quay.io/acme/a:1}]\n"
                  "    volumes:\n"
                  "    - name: models\n"
                  "      image: {reference: quay.io/acme/models:7, pullPolicy: IfNotPresent}\n"
                  "    - name: scratch\n"
                  "      emptyDir: {}\n"
                  "- kind: ConfigMap\n") ==
        std::vector<std::string>{"quay.io/acme/a:1", "quay.io/acme/models:7"});
  // Anchors and aliases are YAML, not text tricks.
  CHECK(images_of("kind: Pod\n"
                  "spec:\n"
                  "  initContainers: [&c {name: a, image: quay.io/acme/a:1}]\n"
                  "  containers: [*c]\n") ==
        std::vector<std::string>{"quay.io/acme/a:1", "quay.io/acme/a:1"});
  CHECK(images_of("").empty());
  CHECK(images_of("---\n---\n").empty());
}

TEST_CASE("kube yaml: malformed documents are errors with their line") {
  auto syntax = read_kube_yaml("kind: Pod\nspec:\n  containers:\n  - name: a\n   image: [x\n");
  REQUIRE_FALSE(syntax.has_value());
  CHECK(syntax.error().line >= 4);
  CHECK(syntax.error().message.starts_with("bad YAML"));

  auto pod_without_spec = read_kube_yaml("kind: Pod\n");
  REQUIRE(pod_without_spec.has_value());
  CHECK(pod_without_spec->images.empty());

  auto scalar_doc = read_kube_yaml("kind: Pod\n---\njust a string\n");
  REQUIRE_FALSE(scalar_doc.has_value());
  CHECK(scalar_doc.error().line == 3);

  auto no_image = read_kube_yaml("kind: Pod\nspec:\n  containers:\n  - name: a\n");
  REQUIRE_FALSE(no_image.has_value());
  CHECK(no_image.error().line == 4);
  CHECK(no_image.error().message.find("\"a\" has no image") != std::string::npos);

  auto not_list = read_kube_yaml("kind: Pod\nspec:\n  containers: {name: a}\n");
  REQUIRE_FALSE(not_list.has_value());
  CHECK(not_list.error().line == 3);

  auto nul = read_kube_yaml(std::string("kind: Pod\n\0\n", 12));
  REQUIRE_FALSE(nul.has_value());
  CHECK(nul.error().line == 2);
  CHECK(nul.error().message.find("NUL") != std::string::npos);

  auto utf8 = read_kube_yaml("kind: Pod\nspec: {}\nx: \xff\xfe\n");
  REQUIRE_FALSE(utf8.has_value());
  CHECK(utf8.error().line == 3);

  auto twice = read_kube_yaml("kind: Pod\nspec: {}\nkind: Job\n");
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().line == 3);
  CHECK(twice.error().message == "mapping key \"kind\" already defined");

  CHECK_FALSE(read_kube_yaml("kind: Pod\nspec: {containers: [*nowhere]}\n").has_value());
}

TEST_CASE("kube yaml: hostile shapes end quickly") {
  // Deep nesting: libyaml's scanner is quadratic in flow depth, so 100 levels is the end.
  std::string deep = "kind: Pod\nspec: ";
  deep += std::string(400'000, '[') + std::string(400'000, ']');
  auto d = read_kube_yaml(deep);
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().message == "nested deeper than 100 levels");
  CHECK(d.error().line == 2);
  // yaml-cpp 0.7 loops forever on this one.
  CHECK_FALSE(read_kube_yaml("\"x\",\n...\n").has_value());
  // Aliases multiply: 200 x 100 images from 30 kB.
  std::string many = "kind: List\nitems:\n- {kind: Pod, spec: {containers: &c [";
  for (int i = 0; i < 100; ++i) many += "{name: a, image: quay.io/a/b:1},";
  many += "]}}\n";
  for (int i = 0; i < 200; ++i) many += "- {kind: Pod, spec: {containers: *c}}\n";
  auto m = read_kube_yaml(many);
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().message == "names more than 10000 images");
}
