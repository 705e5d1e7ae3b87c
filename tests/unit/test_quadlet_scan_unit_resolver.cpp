// Every image a unit needs: Image= and Mount=type=image of a .container (references and
// .image units), .volume Driver=image, .build's first ImageTag=, .kube's Yaml=.

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "tests/unit/quadlet_root.hpp"

using namespace quadlet_test;

namespace {

constexpr const char* kDigest =
    "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

}  // namespace

TEST_CASE("resolver: a .container's Image= and each Mount=type=image") {
  QuadletRoot r;
  r.share("app.container",
          std::string("[Container]\n") + kStore +
              "Image=quay.io/acme/app:1\n"
              "Mount=type=image,source=quay.io/acme/assets:7,destination=/srv\n"
              "Mount=type=bind,source=/data,destination=/data\n"
              "Mount=type=tmpfs,destination=/tmp \"type=image,src=models.image,dst=/m\"\n"
              "Mount=type=image,source=quay.io/acme/app:1,destination=/again\n");
  r.share("models.image",
          "[Image]\nImage=quay.io/acme/models:2\nImageTag=localhost/models\nTLSVerify=false\n");
  auto result = r.scan();
  const auto& app = unit_of(result, "app.container");
  REQUIRE_FALSE(app.error.has_value());
  CHECK(refs(app) == std::vector<std::string>{"quay.io/acme/app:1", "quay.io/acme/assets:7",
                                              "quay.io/acme/models:2"});
  CHECK(app.images[0].key == "Image");
  CHECK(app.images[1].key == "Mount");
  CHECK(app.images[1].line == 4);
  CHECK(app.images[1].file == "/usr/share/containers/systemd/app.container");
  CHECK(app.images[2].via == "models.image");
  CHECK(app.images[2].image_tag == "localhost/models");
  CHECK(app.images[2].pull.tls_verify == false);
  CHECK(app.images[2].line == 6);  // the Mount= that names models.image
  CHECK(app.images[2].file == "/usr/share/containers/systemd/app.container");
  // The single-image form keeps the first.
  CHECK(app.image == "quay.io/acme/app:1");
  CHECK(warns(app, "models-image.service runs `podman image pull` at every boot"));

  auto j = nlohmann::json::parse(quadlet_scan::to_json_line(app));
  CHECK(j["image"] == "quay.io/acme/app:1");
  REQUIRE(j["images"].size() == 3);
  CHECK(j["images"][1] == nlohmann::json{{"image", "quay.io/acme/assets:7"},
                                         {"key", "Mount"},
                                         {"file", "/usr/share/containers/systemd/app.container"},
                                         {"line", 4}});
  CHECK(j["images"][2]["via"] == "models.image");
  CHECK(j["images"][2]["pull"]["tls_verify"] == false);

  r.share("bad.container",
          std::string("[Container]\nImage=quay.io/a/b:1\n") + "Mount=type=image,destination=/x\n");
  r.share("path.container", std::string("[Container]\nImage=quay.io/a/b:1\n") +
                                "Mount=type=image,source=./rel,destination=/x\n");
  r.share("notype.container", "[Container]\nImage=quay.io/a/b:1\nMount=source=a,destination=/x\n");
  r.share("gone.container",
          "[Container]\nImage=quay.io/a/b:1\nMount=type=image,source=gone.image,dst=/x\n");
  auto bad = r.scan();
  for (const char* n : {"bad.container", "path.container", "notype.container", "gone.container"}) {
    CAPTURE(n);
    const auto& u = unit_of(bad, n);
    REQUIRE(u.error.has_value());
    CHECK(u.error->line == 3);
    CHECK(u.images.empty());
  }
  // An empty Mount= resets the list; Rootfs= instead of Image= leaves only the mounts.
  r.share("reset.container",
          "[Container]\nRootfs=/srv/root\nMount=type=image,source=quay.io/a/x:1,dst=/x\n"
          "Mount=\nMount=type=image,source=quay.io/a/y:1,dst=/y\n");
  CHECK(refs(unit_of(r.scan(), "reset.container")) == std::vector<std::string>{"quay.io/a/y:1"});
}

TEST_CASE("resolver: .volume Driver=image, .image, .build's first ImageTag") {
  QuadletRoot r;
  r.share("data.volume", "[Volume]\nDriver=image\nImage=data.image\n");
  r.share("plain.volume", "[Volume]\nImage=quay.io/a/ignored:1\n");
  r.share("data.image", std::string("[Image]\nImage=quay.io/a/data") + kDigest + "\n");
  r.share("app.build", "[Build]\nImageTag=localhost/app:first\nImageTag=localhost/app:second\n");
  r.share("app.container", std::string("[Container]\nImage=app.build\n") + kStore +
                               "Mount=type=image,source=quay.io/a/extra:1,dst=/e\n");
  auto result = r.scan();
  const auto& data = unit_of(result, "data.volume");
  CHECK(refs(data) == std::vector<std::string>{std::string("quay.io/a/data") + kDigest});
  CHECK(data.images[0].via == "data.image");
  CHECK(find_unit(result, "plain.volume") == nullptr);
  CHECK(unit_of(result, "app.build").built_locally == "localhost/app:first");
  const auto& app = unit_of(result, "app.container");
  CHECK(app.built_locally == "localhost/app:first");
  CHECK(refs(app) == std::vector<std::string>{"quay.io/a/extra:1"});
  CHECK(app.pullable());
}

TEST_CASE("resolver: a .container needs the image of a Driver=image volume it mounts") {
  QuadletRoot r;
  r.share("data.volume", "[Volume]\nDriver=image\nImage=quay.io/a/data:1\n");
  r.share("models.volume", "[Volume]\nDriver=image\nImage=models.image\n");
  r.share("models.image", "[Image]\nImage=quay.io/a/models:1\nTLSVerify=false\n");
  r.share("scratch.volume", "[Volume]\n");
  r.share("web.container", std::string("[Container]\nImage=quay.io/a/web:1\n") + kStore +
                               "Volume=data.volume:/data:ro\nVolume=/anonymous\n"
                               "Volume=scratch.volume:/tmp\nVolume=/srv/host:/srv\n"
                               "Mount=type=volume,source=models.volume,destination=/m\n");
  r.link(std::string(kBound) + "web.container", "/usr/share/containers/systemd/web.container");
  auto bound = r.scan(quadlet_scan::ScanMode::Bound);
  const auto& web = unit_of(bound, "web.container");
  REQUIRE_FALSE(web.error.has_value());
  // Image=, then the Mount= keys, then the Volume= keys.
  CHECK(refs(web) ==
        std::vector<std::string>{"quay.io/a/web:1", "quay.io/a/models:1", "quay.io/a/data:1"});
  CHECK(web.images[1].key == "Mount");
  CHECK(web.images[1].via == "models.image");
  CHECK(web.images[1].pull.tls_verify == false);
  CHECK(web.images[2].key == "Volume");
  CHECK(web.images[2].via == "data.volume");
  CHECK(web.images[2].line == 4);

  // Quadlet refuses a container whose .volume source does not exist.
  r.share("lost.container", std::string("[Container]\nImage=quay.io/a/lost:1\n") + kStore +
                                "Volume=nowhere.volume:/data\n");
  auto all = r.scan();
  const auto& lost = unit_of(all, "lost.container");
  REQUIRE(lost.error.has_value());
  CHECK(lost.error->message.find("nowhere.volume") != std::string::npos);
}

TEST_CASE("resolver: the .image lint says what podman 5.4 does") {
  QuadletRoot r;
  r.share("etcd.image",
          std::string("[Image]\nImage=quay.io/coreos/etcd") + kDigest + "\nPolicy=missing\n");
  r.share("plain.image", std::string("[Image]\nImage=quay.io/coreos/etcd") + kDigest + "\n");
  auto result = r.scan();
  const auto& etcd = unit_of(result, "etcd.image");
  CHECK(warns(etcd,
              "Policy= came in podman 5.6: podman 5.4 (Debian 13) rejects it and generates "
              "no etcd-image.service"));
  CHECK(warns(etcd, "etcd.image:3:"));
  CHECK(warns(etcd, "remove Policy= and write the image itself in the .container's Image="));
  const auto& plain = unit_of(result, "plain.image");
  CHECK(warns(plain, "plain-image.service runs `podman image pull` at every boot"));
  CHECK(warns(plain, "Policy=missing"));
}

TEST_CASE("resolver: a .kube unit needs every image of its Yaml=") {
  QuadletRoot r;
  r.share("etcd.kube", "[Kube]\nYaml=pods/etcd.yaml\n");
  r.share("pods/etcd.yaml",
          "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd}\nspec:\n"
          "  initContainers:\n  - name: init\n    image: quay.io/acme/init:1\n"
          "  containers:\n  - name: etcd\n    image: quay.io/coreos/etcd:v3.5\n"
          "  - name: again\n    image: quay.io/acme/init:1\n"
          "---\nkind: StatefulSet\nspec: {}\n");
  auto result = r.scan();
  const auto& etcd = unit_of(result, "etcd.kube");
  REQUIRE_FALSE(etcd.error.has_value());
  CHECK(refs(etcd) == std::vector<std::string>{"quay.io/acme/init:1", "quay.io/coreos/etcd:v3.5"});
  CHECK(etcd.images[1].key == "Yaml");
  CHECK(etcd.images[1].file == "/usr/share/containers/systemd/pods/etcd.yaml");
  CHECK(etcd.images[1].line == 10);
  CHECK(warns(etcd, "runs no StatefulSet"));

  // podman 5.4 plays the last Yaml= only.
  r.share("two.kube", "[Kube]\nYaml=/srv/a.yaml\nYaml=/srv/b.yaml\n");
  r.write("srv/a.yaml", "kind: Pod\nspec: {containers: [{name: a, image: quay.io/a/a:1}]}\n");
  r.write("srv/b.yaml", "kind: Pod\nspec: {containers: [{name: b, image: quay.io/a/b:1}]}\n");
  auto two_result = r.scan();
  const auto& two = unit_of(two_result, "two.kube");
  CHECK(refs(two) == std::vector<std::string>{"quay.io/a/b:1"});
  CHECK(warns(two, "plays only the last Yaml="));
}

TEST_CASE("resolver: Yaml= is read like a unit file from a hostile root") {
  QuadletRoot r;
  r.tmp.write("outside.yaml",
              "kind: Pod\nspec: {containers: [{name: e, image: quay.io/evil/x:1}]}\n");
  r.share("escape.kube", "[Kube]\nYaml=../../../../../../outside.yaml\n");
  r.share("abs.kube", fmt::format("[Kube]\nYaml={}\n", (r.tmp / "outside.yaml").string()));
  r.share("fifo.kube", "[Kube]\nYaml=/fifo.yaml\n");
  REQUIRE(::mkfifo((r.tmp / "root/fifo.yaml").c_str(), 0600) == 0);
  r.share("huge.kube", "[Kube]\nYaml=/huge.yaml\n");
  r.write("huge.yaml", std::string(2 * 1024 * 1024, '#'));
  r.share("binary.kube", "[Kube]\nYaml=/bin.yaml\n");
  r.write("bin.yaml", std::string("kind: Pod\n\x7f"
                                  "ELF\0\1\2",
                                  16));
  r.share("bad.kube", "[Kube]\nYaml=/bad.yaml\n");
  r.write("bad.yaml", "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: \"-evil:1\"\n");
  r.share("dir.kube", "[Kube]\nYaml=/usr\n");
  r.share("none.kube", "[Kube]\nYaml=\n");
  auto result = r.scan();
  CHECK_FALSE(result.all_resolved());
  for (const auto& u : result.units) {
    CAPTURE(u.unit);
    CHECK(u.error.has_value());
    CHECK(u.images.empty());
  }
  CHECK(unit_of(result, "escape.kube").error->path == "/outside.yaml");
  CHECK(unit_of(result, "fifo.kube").error->message.find("FIFO") != std::string::npos);
  CHECK(unit_of(result, "huge.kube").error->message.find("larger") != std::string::npos);
  CHECK(unit_of(result, "binary.kube").error->line == 2);
  const auto& bad = unit_of(result, "bad.kube");
  CHECK(bad.error->path == "/bad.yaml");
  CHECK(bad.error->line == 5);
  CHECK(unit_of(result, "none.kube").error->message.find("no Yaml=") != std::string::npos);
}
