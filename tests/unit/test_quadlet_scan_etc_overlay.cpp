// A staged root's search paths read as ostree's finalization will merge its /etc: the
// booted root's /etc changes (against its /usr/etc) over the new root's /etc, each root
// read through its own RootDir.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <string>

#include "quadlet-scan/etc_overlay.hpp"
#include "tests/unit/quadlet_root.hpp"

using namespace quadlet_test;

namespace {

std::string container(std::string_view image) {
  return fmt::format("[Container]\nImage={}\n{}", image, kStore);
}

// A booted deployment (usr/etc as shipped, etc as the admin left it) and a staged one
// (etc: the copy of its usr/etc that ostree makes at staging), side by side.
struct Staged {
  test_support::TempDir tmp;
  void booted_usr(std::string_view rel, std::string_view text) const {
    tmp.write(fmt::format("booted/usr/{}{}", kEtc, rel), text);
  }
  void booted_etc(std::string_view rel, std::string_view text) const {
    tmp.write(fmt::format("booted/{}{}", kEtc, rel), text);
  }
  // Shipped by the booted root and left alone by the admin.
  void booted_both(std::string_view rel, std::string_view text) const {
    booted_usr(rel, text);
    booted_etc(rel, text);
  }
  void staged(std::string_view rel, std::string_view text) const {
    tmp.write(fmt::format("new/usr/{}{}", kEtc, rel), text);
    tmp.write(fmt::format("new/{}{}", kEtc, rel), text);
  }
  quadlet_scan::ScanResult scan(std::string_view new_dir = "new") const {
    tmp.mkdir("booted/etc");
    tmp.mkdir("booted/usr/etc");
    tmp.mkdir(std::string(new_dir) + "/usr/etc");
    auto root = quadlet_scan::RootDir::open((tmp / new_dir).string());
    auto booted = quadlet_scan::RootDir::open((tmp / "booted").string());
    REQUIRE(root.has_value());
    REQUIRE(booted.has_value());
    auto merged = root->inherit_etc_from(std::move(*booted));
    REQUIRE_MESSAGE(merged.has_value(), merged.error().to_string());
    quadlet_scan::ScanOptions options;
    options.mode = quadlet_scan::ScanMode::All;
    auto result = quadlet_scan::scan_root(*root, options);
    REQUIRE(result.has_value());
    return std::move(*result);
  }
};

std::vector<std::string> image_of(const quadlet_scan::ScanResult& r, std::string_view unit) {
  return refs(unit_of(r, unit));
}

}  // namespace

TEST_CASE("etc overlay: added, modified and deleted units") {
  Staged s;
  s.booted_usr("web.container", container("quay.io/a/web:1"));
  s.booted_etc("web.container", container("quay.io/a/web:admin"));
  s.booted_usr("db.container", container("quay.io/a/db:1"));  // deleted by the admin
  s.booted_etc("mine.container", container("quay.io/a/mine:1"));
  s.booted_both("cache.container", container("quay.io/a/cache:1"));
  s.staged("web.container", container("quay.io/a/web:2"));
  s.staged("db.container", container("quay.io/a/db:2"));
  s.staged("cache.container", container("quay.io/a/cache:2"));
  auto r = s.scan();
  CHECK(image_of(r, "web.container") == std::vector<std::string>{"quay.io/a/web:admin"});
  CHECK(image_of(r, "mine.container") == std::vector<std::string>{"quay.io/a/mine:1"});
  CHECK(image_of(r, "cache.container") == std::vector<std::string>{"quay.io/a/cache:2"});
  CHECK(find_unit(r, "db.container") == nullptr);
  CHECK(unit_of(r, "web.container").source == "/etc/containers/systemd/web.container");
}

TEST_CASE("etc overlay: drop-ins added and a drop-in directory deleted") {
  Staged s;
  s.staged("web.container", container("quay.io/a/web:2"));
  s.booted_etc("web.container.d/50-admin.conf", "[Container]\nImage=quay.io/a/web:pinned\n");
  s.booted_usr("db.container.d/10-x.conf", "[Container]\nImage=quay.io/a/db:old\n");
  s.staged("db.container", container("quay.io/a/db:2"));
  s.staged("db.container.d/10-x.conf", "[Container]\nImage=quay.io/a/db:dropin\n");
  auto r = s.scan();
  CHECK(image_of(r, "web.container") == std::vector<std::string>{"quay.io/a/web:pinned"});
  // The admin removed db.container.d: the new root's drop-in goes with it.
  CHECK(image_of(r, "db.container") == std::vector<std::string>{"quay.io/a/db:2"});
}

TEST_CASE("etc overlay: a unit only in a subdirectory of the booted /etc") {
  Staged s;
  s.booted_etc("team/svc.container", container("quay.io/a/svc:1"));
  s.staged("other.container", container("quay.io/a/other:1"));
  auto r = s.scan();
  CHECK(image_of(r, "svc.container") == std::vector<std::string>{"quay.io/a/svc:1"});
  CHECK(unit_of(r, "svc.container").source == "/etc/containers/systemd/team/svc.container");
  CHECK(image_of(r, "other.container") == std::vector<std::string>{"quay.io/a/other:1"});
}

TEST_CASE("etc overlay: symlinks in the booted /etc resolve in the new root") {
  Staged s;
  // The admin links a unit the new root ships (at its new version) and masks another.
  s.tmp.symlink("booted/etc/containers/systemd/web.container",
                "/usr/share/containers/systemd/web.container");
  s.tmp.symlink("booted/etc/containers/systemd/db.container", "/dev/null");
  s.tmp.write("new/usr/share/containers/systemd/web.container",
              container("quay.io/a/web:new-root"));
  s.tmp.write("new/usr/share/containers/systemd/db.container", container("quay.io/a/db:1"));
  s.tmp.write("booted/usr/share/containers/systemd/web.container",
              container("quay.io/a/web:booted"));
  auto r = s.scan();
  CHECK(image_of(r, "web.container") == std::vector<std::string>{"quay.io/a/web:new-root"});
  CHECK(find_unit(r, "db.container") == nullptr);  // masked
}

TEST_CASE("etc overlay: hostile booted /etc") {
  Staged s;
  // An escape: resolved in the new root (its /etc is the view), never outside either.
  s.tmp.write("secret.container", container("quay.io/a/secret:1"));
  s.tmp.symlink("booted/etc/containers/systemd/esc.container", "../../../../../secret.container");
  s.tmp.mkdir("booted/etc/containers/systemd");
  REQUIRE(::mkfifo((s.tmp / "booted/etc/containers/systemd/fifo.container").c_str(), 0644) == 0);
  s.booted_etc("big.container", std::string(quadlet_scan::kMaxFileSize + 1, '#'));
  s.staged("fifo.container", container("quay.io/a/fifo:new"));
  auto r = s.scan();
  const auto& esc = unit_of(r, "esc.container");
  REQUIRE(esc.error.has_value());
  CHECK(esc.error->errnum == ENOENT);
  // ostree drops a FIFO, and with it the new root's file of that name.
  CHECK(find_unit(r, "fifo.container") == nullptr);
  const auto& big = unit_of(r, "big.container");
  REQUIRE(big.error.has_value());
  CHECK(big.error->errnum == EFBIG);
}

TEST_CASE("etc overlay: a root with no /etc yet merges over its /usr/etc") {
  Staged s;
  s.tmp.write(fmt::format("tree/usr/{}web.container", kEtc), container("quay.io/a/web:2"));
  s.booted_etc("mine.container", container("quay.io/a/mine:1"));
  auto r = s.scan("tree");
  CHECK(image_of(r, "web.container") == std::vector<std::string>{"quay.io/a/web:2"});
  CHECK(image_of(r, "mine.container") == std::vector<std::string>{"quay.io/a/mine:1"});
}

TEST_CASE("etc overlay: a root to inherit from must have an /etc") {
  test_support::TempDir tmp;
  tmp.mkdir("new/etc");
  tmp.mkdir("booted/usr");
  auto root = quadlet_scan::RootDir::open((tmp / "new").string());
  auto booted = quadlet_scan::RootDir::open((tmp / "booted").string());
  REQUIRE(root.has_value());
  REQUIRE(booted.has_value());
  CHECK_FALSE(root->inherit_etc_from(std::move(*booted)).has_value());
}
