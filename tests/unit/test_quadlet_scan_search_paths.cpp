// The search-path walk as podman 5's generator does it: precedence, subdirectories,
// drop-in directories not walked, symlinked directories, users/, shadowed files.

#include <doctest/doctest.h>

#include "quadlet-scan/search_paths.hpp"
#include "tests/unit/quadlet_root.hpp"

using namespace quadlet_test;

namespace {

std::string container(std::string_view image) {
  return fmt::format("[Container]\nImage={}\n{}", image, kStore);
}

}  // namespace

TEST_CASE("search paths: one unit name is one unit, subdirectories included") {
  QuadletRoot r;
  r.share("web.container", container("quay.io/a/web:share"));
  r.etc("sub/web.container", container("quay.io/a/web:etc-sub"));
  // A directory's own units come before its subdirectories'.
  r.share("a/db.container", container("quay.io/a/db:sub"));
  r.share("db.container", container("quay.io/a/db:top"));
  auto result = r.scan();
  CHECK(unit_of(result, "web.container").source == "/etc/containers/systemd/sub/web.container");
  CHECK(refs(unit_of(result, "web.container")) ==
        std::vector<std::string>{"quay.io/a/web:etc-sub"});
  CHECK(refs(unit_of(result, "db.container")) == std::vector<std::string>{"quay.io/a/db:top"});

  // A bound link to the shadowed file binds the unit Quadlet generates.
  r.link(std::string(kBound) + "web.container", "/usr/share/containers/systemd/web.container");
  auto bound = r.scan(quadlet_scan::ScanMode::Bound);
  CHECK(refs(unit_of(bound, "web.container")) == std::vector<std::string>{"quay.io/a/web:etc-sub"});
}

TEST_CASE("search paths: .d directories are not walked; symlinked directories are") {
  QuadletRoot r;
  r.share("web.container.d/inner.container", container("quay.io/a/inner:1"));
  r.share("extra.d/hidden.container", container("quay.io/a/hidden:1"));
  r.write("opt/units/linked.container", container("quay.io/a/linked:1"));
  r.link(std::string(kShare) + "more", "/opt/units");
  r.link(std::string(kShare) + "again", "/opt/units");  // visited once
  r.write("opt/dropins/10.conf", "[Container]\nRetry=6\n");
  r.link(std::string(kShare) + "linked.container.d", "/opt/dropins");
  auto result = r.scan();
  CHECK(find_unit(result, "inner.container") == nullptr);
  CHECK(find_unit(result, "hidden.container") == nullptr);
  const auto& linked = unit_of(result, "linked.container");
  CHECK(linked.source == "/opt/units/linked.container");
  CHECK(linked.pull.retry == 6);
  CHECK(result.all_resolved());
}

TEST_CASE("search paths: /etc's users* subtrees are rootless units; /usr/share's are not") {
  QuadletRoot r;
  r.etc("users/alice.container", container("quay.io/a/alice:1"));
  r.etc("users-extra/bob.container", container("quay.io/a/bob:1"));
  r.share("users/carol.container", container("quay.io/a/carol:1"));
  auto result = r.scan();
  CHECK(find_unit(result, "alice.container") == nullptr);
  CHECK(find_unit(result, "bob.container") == nullptr);
  CHECK(find_unit(result, "carol.container") != nullptr);
}

TEST_CASE("search paths: a unit file Quadlet cannot parse gives way to the next of its name") {
  QuadletRoot r;
  r.etc("web.container", "Image=no section\n");
  r.share("web.container", container("quay.io/a/web:1"));
  auto result = r.scan();
  const auto& web = unit_of(result, "web.container");
  CHECK(refs(web) == std::vector<std::string>{"quay.io/a/web:1"});
  CHECK(warns(web, "Quadlet skips that file"));
  CHECK(result.all_resolved());
  // A unit that parses but names a bad image stays an error (Quadlet fails it too).
  r.etc("web.container", container("-bad"));
  CHECK_FALSE(unit_of(r.scan(), "web.container").error == std::nullopt);
}
