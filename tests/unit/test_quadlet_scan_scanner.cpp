// The scanner on real trees built in a temp dir: opt-in, search paths, drop-ins,
// templates, .image/.build indirection, lint, hostile roots and the JSON form.

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "quadlet-scan/root_dir.hpp"
#include "quadlet-scan/scanner.hpp"
#include "tests/unit/temp_dir.hpp"

using quadlet_scan::RootDir;
using quadlet_scan::ScanMode;
using quadlet_scan::ScanOptions;
using quadlet_scan::ScanResult;
using quadlet_scan::UnitResult;
using test_support::TempDir;

namespace {

constexpr const char* kShare = "usr/share/containers/systemd/";
constexpr const char* kEtc = "etc/containers/systemd/";
constexpr const char* kBound = "usr/lib/rootpin/bound-images.d/";
constexpr const char* kBootcBound = "usr/lib/bootc/bound-images.d/";
constexpr const char* kStoreArg =
    "GlobalArgs=--storage-opt=additionalimagestore=/var/lib/rootpin/storage\n";

std::string container(std::string_view image, std::string_view extra = "") {
  return fmt::format("[Container]\nImage={}\n{}{}", image, kStoreArg, extra);
}

struct Root {
  TempDir tmp;
  Root() { tmp.mkdir("root/etc"); }

  void write(std::string_view rel, std::string_view text) const {
    tmp.write(fmt::format("root/{}", rel), text);
  }
  void link(std::string_view rel, std::string_view target) const {
    tmp.symlink(fmt::format("root/{}", rel), target);
  }
  // Binds /usr/share/containers/systemd/<name> through rootpin's bound-images.d.
  void bind(std::string_view name) const {
    link(fmt::format("{}{}", kBound, name), fmt::format("/{}{}", kShare, name));
  }
  ScanResult scan(ScanMode mode = ScanMode::Bound) const {
    auto root = RootDir::open((tmp / "root").string());
    REQUIRE(root.has_value());
    ScanOptions options;
    options.mode = mode;
    auto result = quadlet_scan::scan_root(*root, options);
    REQUIRE(result.has_value());
    return std::move(*result);
  }
};

const UnitResult* find(const ScanResult& r, std::string_view unit) {
  auto it = std::find_if(r.units.begin(), r.units.end(),
                         [&](const UnitResult& u) { return u.unit == unit; });
  return it == r.units.end() ? nullptr : &*it;
}

const UnitResult& get(const ScanResult& r, std::string_view unit) {
  const UnitResult* u = find(r, unit);
  INFO("unit ", unit);
  REQUIRE(u != nullptr);
  return *u;
}

bool has_warning(const UnitResult& u, std::string_view needle) {
  return std::any_of(u.warnings.begin(), u.warnings.end(),
                     [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

constexpr const char* kDigest =
    "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

}  // namespace

TEST_CASE("scanner: bound-images.d links of rootpin and bootc opt units in") {
  Root r;
  r.write(std::string(kShare) + "web.container", container("quay.io/acme/web:1.4"));
  r.write(std::string(kShare) + "db.container", container("quay.io/acme/db:2"));
  r.write(std::string(kShare) + "idle.container", container("quay.io/acme/idle:1"));
  r.bind("web.container");
  // bootc's directory, with a relative link.
  r.link(std::string(kBootcBound) + "db.container",
         "../../../share/containers/systemd/db.container");
  auto result = r.scan();
  CHECK(result.all_resolved());
  CHECK(result.units.size() == 2);
  const auto& web = get(result, "web.container");
  CHECK(web.image == "quay.io/acme/web:1.4");
  CHECK(web.source == "/usr/share/containers/systemd/web.container");
  CHECK(web.bound_by == "/usr/lib/rootpin/bound-images.d/web.container");
  CHECK(web.pullable());
  const auto& db = get(result, "db.container");
  CHECK(db.image == "quay.io/acme/db:2");
  CHECK(db.bound_by == "/usr/lib/bootc/bound-images.d/db.container");
  CHECK(find(result, "idle.container") == nullptr);

  auto all = r.scan(ScanMode::All);
  CHECK(all.units.size() == 3);
  CHECK(get(all, "idle.container").image == "quay.io/acme/idle:1");
  CHECK_FALSE(get(all, "idle.container").bound_by.has_value());
}

TEST_CASE("scanner: All=yes, All=enabled and /dev/null masks") {
  Root r;
  r.write(std::string(kShare) + "boot.container",
          container("quay.io/acme/boot:1", "[Install]\nWantedBy=multi-user.target\n"));
  r.write(std::string(kShare) + "manual.container", container("quay.io/acme/manual:1"));
  r.write(std::string(kShare) + "masked.container",
          container("quay.io/acme/masked:1", "[Install]\nWantedBy=multi-user.target\n"));
  r.write(std::string(kShare) + "net.network", "[Network]\n");
  r.write(std::string(kShare) + "plain.volume", "[Volume]\n");
  r.link(std::string(kBootcBound) + "masked.container", "/dev/null");

  CHECK(r.scan().units.empty());

  r.write("usr/lib/rootpin/rootpin.conf", "[Bind]\nAll=yes\n");
  auto yes = r.scan();
  CHECK(yes.units.size() == 2);
  CHECK(find(yes, "boot.container") != nullptr);
  CHECK(find(yes, "manual.container") != nullptr);
  CHECK(find(yes, "masked.container") == nullptr);
  CHECK(find(yes, "net.network") == nullptr);
  CHECK(find(yes, "plain.volume") == nullptr);

  r.write("usr/lib/rootpin/rootpin.conf", "[Bind]\nAll=enabled\n");
  auto enabled = r.scan();
  CHECK(enabled.units.size() == 1);
  CHECK(find(enabled, "boot.container") != nullptr);

  r.write("usr/lib/rootpin/rootpin.conf", "[Bind]\nAll=sometimes\n");
  auto bad = r.scan();
  CHECK_FALSE(bad.all_resolved());
  const auto& conf = get(bad, "rootpin.conf");
  REQUIRE(conf.error.has_value());
  CHECK(conf.error->path == "/usr/lib/rootpin/rootpin.conf");
  CHECK(conf.error->line == 2);
}

TEST_CASE("scanner: /usr/etc stands in for a missing /etc; /etc's users/ is skipped") {
  Root r;
  std::filesystem::remove(r.tmp / "root/etc");
  r.write("usr/etc/containers/systemd/agent.container", container("quay.io/acme/agent:1"));
  r.write("usr/etc/containers/systemd/users/alice.container", container("quay.io/acme/alice:1"));
  r.write(std::string(kShare) + "users/bob.container", container("quay.io/acme/bob:1"));
  r.write(std::string(kShare) + "sub/dir/deep.container", container("quay.io/acme/deep:1"));
  // Links written against /etc find the /usr/etc file in a not yet finalized root.
  r.link(std::string(kBound) + "agent.container", "/etc/containers/systemd/agent.container");
  auto bound = r.scan();
  const auto& agent = get(bound, "agent.container");
  CHECK(agent.image == "quay.io/acme/agent:1");
  CHECK(agent.source == "/usr/etc/containers/systemd/agent.container");

  auto all = r.scan(ScanMode::All);
  CHECK(find(all, "agent.container") != nullptr);
  CHECK(get(all, "deep.container").source ==
        "/usr/share/containers/systemd/sub/dir/deep.container");
  CHECK(find(all, "alice.container") == nullptr);
  // podman 5's generator filters users/ only under /etc/containers/systemd.
  CHECK(find(all, "bob.container") != nullptr);

  // Once /etc exists, /usr/etc is not read.
  r.tmp.mkdir("root/etc");
  CHECK(find(r.scan(ScanMode::All), "agent.container") == nullptr);
}

TEST_CASE("scanner: /etc overrides /usr/share; drop-ins merge in order") {
  Root r;
  r.write(std::string(kShare) + "web.container", container("quay.io/acme/web:share"));
  r.write(std::string(kEtc) + "web.container", container("quay.io/acme/web:etc"));
  CHECK(get(r.scan(ScanMode::All), "web.container").image == "quay.io/acme/web:etc");

  r.write(std::string(kShare) + "app.container", container("quay.io/acme/app:1"));
  r.write(std::string(kShare) + "app.container.d/10-tag.conf",
          "[Container]\nImage=quay.io/acme/app:10\n");
  r.write(std::string(kShare) + "app.container.d/20-tag.conf",
          "[Container]\nImage=quay.io/acme/app:20\n");
  r.write(std::string(kShare) + "app.container.d/ignored.txt",
          "[Container]\nImage=quay.io/acme/app:txt\n");
  CHECK(get(r.scan(ScanMode::All), "app.container").image == "quay.io/acme/app:20");

  // The same file name in /etc replaces /usr/share's; order is by name across dirs.
  r.write(std::string(kEtc) + "app.container.d/20-tag.conf", "[Container]\nRetry=4\n");
  auto result = r.scan(ScanMode::All);
  const auto& app = get(result, "app.container");
  CHECK(app.image == "quay.io/acme/app:10");
  CHECK(app.pull.retry == 4);

  r.write(std::string(kEtc) + "app.container.d/30-bad.conf", "[Container]\nImage=-bad\n");
  auto bad = r.scan(ScanMode::All);
  const auto& b = get(bad, "app.container");
  REQUIRE(b.error.has_value());
  CHECK(b.error->path == "/etc/containers/systemd/app.container.d/30-bad.conf");
  CHECK(b.error->line == 2);
}

TEST_CASE("scanner: templates, instances and specifiers") {
  Root r;
  r.write(std::string(kShare) + "web@.container", container("quay.io/acme/web:%i"));
  r.link(std::string(kShare) + "web@blue.container", "web@.container");
  r.write(std::string(kShare) + "web@.container.d/10-retry.conf", "[Container]\nRetry=2\n");
  r.write(std::string(kShare) + "web@green.container.d/10-retry.conf", "[Container]\nRetry=7\n");
  // Bound by an instance link pointing at the bare template.
  r.link(std::string(kBound) + "web@green.container", "/" + std::string(kShare) + "web@.container");
  r.bind("web@blue.container");
  auto result = r.scan();
  CHECK(result.all_resolved());
  const auto& blue = get(result, "web@blue.container");
  CHECK(blue.image == "quay.io/acme/web:blue");
  CHECK(blue.pull.retry == 2);
  const auto& green = get(result, "web@green.container");
  CHECK(green.image == "quay.io/acme/web:green");
  CHECK(green.pull.retry == 7);

  // --all lists the instance, not the bare template it covers.
  auto all = r.scan(ScanMode::All);
  CHECK(find(all, "web@.container") == nullptr);
  CHECK(find(all, "web@blue.container") != nullptr);

  r.write(std::string(kShare) + "lone@.container",
          container("quay.io/acme/lone:%i", "[Install]\nDefaultInstance=v3\n"));
  CHECK(get(r.scan(ScanMode::All), "lone@.container").image == "quay.io/acme/lone:v3");

  r.write(std::string(kShare) + "named.container", container("quay.io/acme/%N:1"));
  r.write(std::string(kShare) + "spec.container", "[Container]\n\nImage=quay.io/acme/x:%Z\n");
  auto specs = r.scan(ScanMode::All);
  CHECK(get(specs, "named.container").image == "quay.io/acme/named:1");
  const auto& bad = get(specs, "spec.container");
  REQUIRE(bad.error.has_value());
  CHECK(bad.error->line == 3);
  CHECK(bad.error->path == "/usr/share/containers/systemd/spec.container");
  CHECK(bad.error->message.find("%Z") != std::string::npos);
  CHECK_FALSE(specs.all_resolved());
}

TEST_CASE("scanner: Image=x.image takes its reference, pull options and ImageTag") {
  Root r;
  r.write(std::string(kShare) + "web.container",
          container("web.image", "Retry=9\nRetryDelay=1s\nPull=missing\n"));
  r.write(std::string(kShare) + "web.image",
          "[Image]\nImage=registry.example:5000/acme/web:1.4\nImageTag=localhost/web:1.4\n"
          "AuthFile=/etc/rootpin/auth.json\nTLSVerify=false\nArch=arm64\nOS=linux\n"
          "Variant=v8\nCertDir=/etc/certs.d\nCreds=user:secret\n"
          "DecryptionKey=/etc/keys/k.pem\nAllTags=yes\nRetry=3\nRetryDelay=5s\n"
          "Policy=missing\n");
  r.bind("web.container");
  auto result = r.scan();
  CHECK(result.all_resolved());
  const auto& web = get(result, "web.container");
  CHECK(web.image == "registry.example:5000/acme/web:1.4");
  CHECK(web.image_tag == "localhost/web:1.4");
  CHECK(web.pull.authfile == "/etc/rootpin/auth.json");
  CHECK(web.pull.tls_verify == false);
  CHECK(web.pull.arch == "arm64");
  CHECK(web.pull.os == "linux");
  CHECK(web.pull.variant == "v8");
  CHECK(web.pull.cert_dir == "/etc/certs.d");
  CHECK(web.pull.creds == "user:secret");
  CHECK(web.pull.decryption_key == "/etc/keys/k.pem");
  CHECK(web.pull.all_tags == true);
  CHECK(web.pull.retry == 3);
  CHECK(web.pull.retry_delay == "5s");
  CHECK(web.pull.policy == quadlet_scan::PullPolicy::Missing);
  CHECK(web.container_pull == "missing");

  auto j = nlohmann::json::parse(quadlet_scan::to_json_line(web));
  CHECK(j["image_tag"] == "localhost/web:1.4");
  CHECK(j["pull"]["tls_verify"] == false);
  CHECK(j["pull"]["retry"] == 3);
  CHECK(j["pull"]["policy"] == "missing");
  CHECK(j["bound_by"] == "/usr/lib/rootpin/bound-images.d/web.container");

  r.write(std::string(kShare) + "web.image",
          "[Image]\nImage=quay.io/acme/web:1\nAuthFile=auth.json\n");
  auto rel = r.scan();
  const auto& bad = get(rel, "web.container");
  REQUIRE(bad.error.has_value());
  CHECK(bad.error->path == "/usr/share/containers/systemd/web.image");
  CHECK(bad.error->line == 3);
  CHECK(bad.error->message.find("absolute") != std::string::npos);

  r.write(std::string(kShare) + "web.container", container("gone.image"));
  auto gone_result = r.scan();
  const auto& gone = get(gone_result, "web.container");
  REQUIRE(gone.error.has_value());
  CHECK(gone.error->message.find("gone.image") != std::string::npos);
}

TEST_CASE("scanner: .build is built locally, .kube reads its Yaml=, .volume Driver=image") {
  Root r;
  r.write(std::string(kShare) + "app.build",
          "[Build]\nImageTag=localhost/app\nFile=/x/Containerfile\n");
  r.write(std::string(kShare) + "app.container", container("app.build"));
  r.write(std::string(kShare) + "k8s.kube", "[Kube]\nYaml=/x.yaml\n");
  r.write("x.yaml", "kind: Pod\nspec:\n  containers:\n  - {name: a, image: quay.io/acme/k:1}\n");
  r.write(std::string(kShare) + "data.volume",
          "[Volume]\nDriver=image\nImage=quay.io/acme/data:1\n");
  for (const char* n : {"app.build", "app.container", "k8s.kube", "data.volume"}) r.bind(n);
  auto result = r.scan();
  CHECK(result.all_resolved());
  const auto& build = get(result, "app.build");
  CHECK(build.built_locally == "localhost/app");
  CHECK_FALSE(build.pullable());
  const auto& app = get(result, "app.container");
  CHECK(app.built_locally == "localhost/app");
  CHECK_FALSE(app.image.has_value());
  auto bj = nlohmann::json::parse(quadlet_scan::to_json_line(app));
  CHECK(bj == nlohmann::json{{"unit", "app.container"}, {"built_locally", "localhost/app"}});
  const auto& kube = get(result, "k8s.kube");
  CHECK_FALSE(kube.unsupported.has_value());
  CHECK_FALSE(kube.error.has_value());
  CHECK(kube.image == "quay.io/acme/k:1");
  CHECK(get(result, "data.volume").image == "quay.io/acme/data:1");
}

TEST_CASE("scanner: lint warnings") {
  Root r;
  r.write(std::string(kShare) + "nostore.container", "[Container]\nImage=quay.io/acme/a:1\n");
  r.write(std::string(kShare) + "always.container", container("quay.io/acme/b:1", "Pull=always\n"));
  r.write(std::string(kShare) + "pinned.container",
          container(std::string("quay.io/acme/c") + kDigest));
  r.write(std::string(kShare) + "float.image", "[Image]\nImage=quay.io/acme/d:1\n");
  r.write(std::string(kShare) + "ok.image",
          std::string("[Image]\nImage=quay.io/acme/e") + kDigest + "\nPolicy=never\n");
  r.write(std::string(kShare) + "split.container",
          "[Container]\nImage=quay.io/acme/f:1\nGlobalArgs=--storage-opt "
          "additionalimagestore=/var/lib/rootpin/storage/\n");
  r.write(std::string(kShare) + "mount.container",
          container(std::string("quay.io/acme/g") + kDigest,
                    std::string("Mount=type=image,source=quay.io/acme/h") + kDigest +
                        ",destination=/h\n"));
  r.write(std::string(kShare) + "ownstore.container",
          std::string("[Container]\nImage=quay.io/acme/i") + kDigest +
              "\nMount=type=image,source=quay.io/acme/j" + kDigest + ",destination=/j\n");
  for (const char* n : {"nostore.container", "always.container", "pinned.container", "float.image",
                        "ok.image", "split.container", "mount.container", "ownstore.container"}) {
    r.bind(n);
  }
  auto result = r.scan();
  CHECK(result.all_resolved());
  CHECK(has_warning(get(result, "nostore.container"), "additionalimagestore"));
  CHECK(has_warning(get(result, "nostore.container"), "digest"));
  CHECK(has_warning(get(result, "always.container"), "Pull=always"));
  CHECK_FALSE(has_warning(get(result, "always.container"), "additionalimagestore"));
  CHECK(get(result, "pinned.container").warnings.empty());
  const auto& fl = get(result, "float.image");
  CHECK(has_warning(fl, "at every boot"));
  CHECK(has_warning(fl, "/usr/share/containers/systemd/float.image:2:"));
  // podman 5.4 rejects Policy= (it came in 5.6): even Policy=never is a warning.
  CHECK(has_warning(get(result, "ok.image"), "podman 5.4 (Debian 13) rejects it"));
  CHECK_FALSE(has_warning(get(result, "split.container"), "additionalimagestore"));
  // podman 5.4 mounts no image of an additional image store (seen in the VM, tests/system).
  const auto& mount = get(result, "mount.container");
  CHECK(mount.warnings.size() == 1);
  CHECK(has_warning(mount,
                    "/usr/share/containers/systemd/mount.container:4: podman 5.4 cannot "
                    "mount an image that is in an additional image store"));
  CHECK(has_warning(mount, "PinMode=system"));
  // A container of podman's own store mounts fine (it only lacks rootpin's store).
  CHECK_FALSE(has_warning(get(result, "ownstore.container"), "cannot mount"));
}

TEST_CASE("scanner: a hostile root gives per-unit errors and never reads outside") {
  Root r;
  // Units are named by their link's target: the two escapes try canary and canary2.
  r.tmp.write("outside/canary.container", "[Container]\nImage=quay.io/evil/canary:1\n");
  r.tmp.write("outside/canary2.container", "[Container]\nImage=quay.io/evil/canary:1\n");
  r.write(std::string(kShare) + "good.container", container("quay.io/acme/good:1"));
  r.bind("good.container");
  r.link(std::string(kBound) + "escape.container",
         "../../../../../../../../outside/canary.container");
  r.link(std::string(kBound) + "hostabs.container", (r.tmp / "outside/canary2.container").string());
  r.link(std::string(kBound) + "loop.container", "loop.container");
  r.link(std::string(kBound) + "dangling.container", "/nowhere/dangling.container");
  r.link(std::string(kBound) + "fifo.container", "/fifo.container");
  REQUIRE(::mkfifo((r.tmp / "root/fifo.container").c_str(), 0600) == 0);
  r.link(std::string(kBound) + "dir.container", "/usr/share");
  r.link(std::string(kBound) + "notes.txt", "/etc/notes.txt");
  r.write(std::string(kShare) + "utf8.container", "[Container]\nImage=quay.io/\xff\xfe:1\n");
  r.write(std::string(kShare) + "nul.container",
          std::string("[Container]\nImage=quay.io/a:1\0\n", 30));
  r.write(std::string(kShare) + "dash.container",
          "[Container]\n# a comment\nImage=-quay.io/acme/x:1\n");
  r.write(std::string(kShare) + "space.container", "[Container]\nImage=\"quay.io/a b:1\"\n");
  for (const char* n : {"utf8.container", "nul.container", "dash.container", "space.container"}) {
    r.bind(n);
  }
  auto result = r.scan();
  CHECK_FALSE(result.all_resolved());
  CHECK(get(result, "good.container").image == "quay.io/acme/good:1");
  for (const auto& u : result.units) {
    CHECK(u.image != "quay.io/evil/canary:1");
  }
  for (const char* n : {"canary.container", "canary2.container", "loop.container",
                        "dangling.container", "fifo.container", "utf8.container", "nul.container",
                        "dash.container", "space.container", "notes.txt"}) {
    CAPTURE(n);
    const auto& u = get(result, n);
    REQUIRE(u.error.has_value());
    CHECK_FALSE(u.error->path.empty());
    CHECK_FALSE(u.pullable());
  }
  CHECK(get(result, "fifo.container").error->message.find("FIFO") != std::string::npos);
  CHECK(get(result, "fifo.container").error->message.find("bound by") != std::string::npos);
  CHECK(get(result, "loop.container").error->path ==
        "/usr/lib/rootpin/bound-images.d/loop.container");
  const auto& dash = get(result, "dash.container");
  CHECK(dash.error->line == 3);
  CHECK(dash.error->path == "/usr/share/containers/systemd/dash.container");
  CHECK(get(result, "utf8.container").error->line == 2);
  CHECK(get(result, "nul.container").error->line == 2);

  auto j = nlohmann::json::parse(quadlet_scan::to_json_line(dash));
  CHECK(j["unit"] == "dash.container");
  CHECK(j["source"] == "/usr/share/containers/systemd/dash.container");
  CHECK(j["line"] == 3);
  CHECK(j["error"].get<std::string>().find("reference") != std::string::npos);
  CHECK_FALSE(j.contains("image"));
}

TEST_CASE("scanner: JSON keys are present only when set") {
  UnitResult u;
  u.unit = "web.container";
  u.source = "/usr/share/containers/systemd/web.container";
  u.image = "quay.io/acme/web:1.4";
  auto j = nlohmann::json::parse(quadlet_scan::to_json_line(u));
  CHECK(j == nlohmann::json{{"unit", "web.container"},
                            {"source", "/usr/share/containers/systemd/web.container"},
                            {"image", "quay.io/acme/web:1.4"}});
  u.pull.arch = "arm64";
  u.warnings.push_back("w");
  auto j2 = nlohmann::json::parse(quadlet_scan::to_json_line(u));
  CHECK(j2["pull"] == nlohmann::json{{"arch", "arm64"}});
  CHECK(j2["warnings"].size() == 1);
  // Bad UTF-8 coming from a root never breaks the output.
  u.image = std::string("quay.io/\xff");
  CHECK_NOTHROW(nlohmann::json::parse(quadlet_scan::to_json_line(u)));
}
