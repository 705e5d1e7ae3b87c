// Drop-ins as podman 5 merges them: the directory names of each level, their precedence
// across search paths, and same-named files replacing each other.

#include <doctest/doctest.h>

#include "quadlet-scan/specifiers.hpp"
#include "quadlet-scan/unit_loader.hpp"
#include "tests/unit/quadlet_root.hpp"

using quadlet_scan::dropin_dir_names;
using quadlet_scan::parse_unit_name;
using namespace quadlet_test;

namespace {

std::vector<std::string> names_of(std::string_view unit) {
  auto name = parse_unit_name(unit);
  REQUIRE(name.has_value());
  return dropin_dir_names(*name);
}

}  // namespace

TEST_CASE("drop-ins: directory names, most specific first (GetUnitDropinPaths)") {
  CHECK(names_of("web.container") == std::vector<std::string>{"web.container.d", "container.d"});
  CHECK(names_of("foo-bar-baz.container") ==
        std::vector<std::string>{"foo-bar-baz.container.d", "foo-bar-.container.d",
                                 "foo-.container.d", "container.d"});
  CHECK(names_of("foo-bar@x-y.container") ==
        std::vector<std::string>{"foo-bar@x-y.container.d", "foo-bar@.container.d",
                                 "foo-@.container.d", "foo-.container.d", "container.d"});
  CHECK(names_of("foo-bar@.image") ==
        std::vector<std::string>{"foo-bar@.image.d", "foo-@.image.d", "foo-.image.d", "image.d"});
  CHECK(names_of("a.kube") == std::vector<std::string>{"a.kube.d", "kube.d"});
}

TEST_CASE("drop-ins: every level applies, lexical order of file names") {
  QuadletRoot r;
  r.share("foo-bar-baz.container", std::string("[Container]\nImage=quay.io/a/base:1\n") + kStore);
  r.share("container.d/10-top.conf", "[Container]\nImage=quay.io/a/top:1\nRetry=1\n");
  r.share("foo-.container.d/20-foo.conf", "[Container]\nImage=quay.io/a/foo:1\n");
  r.share("foo-bar-.container.d/30-bar.conf", "[Container]\nImage=quay.io/a/bar:1\n");
  r.share("other.container", std::string("[Container]\nImage=quay.io/a/other:1\n") + kStore);
  auto result = r.scan();
  const auto& u = unit_of(result, "foo-bar-baz.container");
  CHECK(refs(u) == std::vector<std::string>{"quay.io/a/bar:1"});
  CHECK(u.images[0].file == "/usr/share/containers/systemd/foo-bar-.container.d/30-bar.conf");
  CHECK(u.images[0].line == 2);
  CHECK(u.pull.retry == 1);
  // The top-level type directory reaches every unit of the type.
  CHECK(refs(unit_of(result, "other.container")) == std::vector<std::string>{"quay.io/a/top:1"});

  // The unit's own directory wins a name clash with a broader one in the same search path.
  r.share("foo-bar-baz.container.d/10-top.conf", "[Container]\nRetry=5\n");
  CHECK(unit_of(r.scan(), "foo-bar-baz.container").pull.retry == 5);
  // An earlier search path wins over a more specific directory in a later one.
  r.etc("container.d/10-top.conf", "[Container]\nRetry=8\n");
  CHECK(unit_of(r.scan(), "foo-bar-baz.container").pull.retry == 8);
}

TEST_CASE("drop-ins: instance, template and truncated template levels") {
  QuadletRoot r;
  r.share("svc-a@.container", std::string("[Container]\nImage=quay.io/a/svc:%i\n") + kStore +
                                  "[Install]\nDefaultInstance=main\n");
  r.link(std::string(kShare) + "svc-a@canary.container", "svc-a@.container");
  r.share("svc-@.container.d/10.conf", "[Container]\nRetry=2\n");
  r.share("svc-a@canary.container.d/20-image.conf", "[Container]\nImage=quay.io/a/canary:1\n");
  auto result = r.scan();
  const auto& canary = unit_of(result, "svc-a@canary.container");
  CHECK(refs(canary) == std::vector<std::string>{"quay.io/a/canary:1"});
  CHECK(canary.pull.retry == 2);
  // The bare template is its DefaultInstance=, also beside another instance.
  const auto& tmpl = unit_of(result, "svc-a@.container");
  CHECK(tmpl.default_instance == "svc-a@main.container");
  CHECK(refs(tmpl) == std::vector<std::string>{"quay.io/a/svc:main"});
  CHECK(tmpl.pull.retry == 2);
  // An instance's own drop-ins do not reach the default instance.
  r.share("svc-a@main.container.d/5.conf", "[Container]\nImage=quay.io/a/never:1\n");
  CHECK(refs(unit_of(r.scan(), "svc-a@.container")) ==
        std::vector<std::string>{"quay.io/a/svc:main"});
  // When the default instance has a unit of its own, that unit is it.
  r.link(std::string(kShare) + "svc-a@main.container", "svc-a@.container");
  auto linked = r.scan();
  CHECK(find_unit(linked, "svc-a@.container") == nullptr);
  CHECK(refs(unit_of(linked, "svc-a@main.container")) ==
        std::vector<std::string>{"quay.io/a/never:1"});
}
