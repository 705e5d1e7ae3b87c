#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "quadlet-scan/specifiers.hpp"

using quadlet_scan::expand_specifiers;
using quadlet_scan::parse_unit_name;
using quadlet_scan::UnitName;
using quadlet_scan::UnitType;

namespace {

UnitName name_ok(std::string_view filename) {
  auto name = parse_unit_name(filename);
  REQUIRE_MESSAGE(name.has_value(), std::string(filename));
  return *name;
}

std::string expand_ok(std::string_view value, std::string_view unit) {
  auto out = expand_specifiers(value, name_ok(unit));
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : out.error()));
  return *out;
}

std::string expand_error(std::string_view value, std::string_view unit) {
  auto out = expand_specifiers(value, name_ok(unit));
  REQUIRE_FALSE(out.has_value());
  return out.error();
}

}  // namespace

TEST_CASE("parse_unit_name: types, templates and instances") {
  const auto plain = name_ok("web.container");
  CHECK(plain.full == "web.container");
  CHECK(plain.prefix == "web");
  CHECK(plain.instance.empty());
  CHECK(plain.suffix == ".container");
  CHECK(plain.type == UnitType::Container);
  CHECK_FALSE(plain.is_template());
  CHECK_FALSE(plain.is_instance());
  CHECK(plain.template_name() == "web.container");
  CHECK(plain.stem() == "web");
  CHECK(plain.service_name() == "web.service");

  const auto tmpl = name_ok("web@.container");
  CHECK(tmpl.is_template());
  CHECK_FALSE(tmpl.is_instance());
  CHECK(tmpl.prefix == "web");
  CHECK(tmpl.template_name() == "web@.container");

  const auto inst = name_ok("web@blue.container");
  CHECK(inst.is_instance());
  CHECK_FALSE(inst.is_template());
  CHECK(inst.instance == "blue");
  CHECK(inst.template_name() == "web@.container");
  CHECK(inst.stem() == "web@blue");

  CHECK(name_ok("a.b.image").prefix == "a.b");
  CHECK(name_ok("a.b.image").service_name() == "a.b-image.service");
  CHECK(name_ok("/usr/share/containers/systemd/db.volume").full == "db.volume");
  CHECK(name_ok("x@a@b.pod").instance == "a@b");
  CHECK(name_ok("x.build").type == UnitType::Build);
  CHECK(name_ok("x.kube").type == UnitType::Kube);
  CHECK(name_ok("x.kube").service_name() == "x.service");
  CHECK(name_ok("x.network").type == UnitType::Network);
  CHECK(name_ok("x.volume").type == UnitType::Volume);
  CHECK(name_ok("x.image").type == UnitType::Image);
  CHECK(name_ok("x.pod").type == UnitType::Pod);
  CHECK(name_ok("my-app\\x2dv2:1_0.container").prefix == "my-app\\x2dv2:1_0");
}

TEST_CASE("parse_unit_name: rejects") {
  for (const auto& bad : std::vector<std::string>{
           "web.service", "web", ".container", "@x.container", "web.container~", "we b.container",
           "wéb.container", "web.Container", "web.container/",
           std::string(247, 'a') + ".container"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_unit_name(bad).has_value());
    CHECK_FALSE(quadlet_scan::is_unit_name(bad));
  }
  CHECK(parse_unit_name(std::string(245, 'a') + ".container").has_value());
  for (const char* good :
       {"web.container", "web@.container", "web@blue.kube", "/etc/x/a-b.image"}) {
    CAPTURE(good);
    CHECK(quadlet_scan::is_unit_name(good));
  }
}

TEST_CASE("expand_specifiers") {
  CHECK(expand_ok("quay.io/acme/%i:%p", "web@blue.container") == "quay.io/acme/blue:web");
  CHECK(expand_ok("%N|%n|%%|100%%", "web@blue.container") == "web@blue|web@blue.service|%|100%");
  CHECK(expand_ok("%n", "db.image") == "db-image.service");
  CHECK(expand_ok("no specifiers", "web.container") == "no specifiers");
  CHECK(expand_ok("[%i]", "web@.container") == "[]");
  // %I and %P undo systemd's escaping: '-' is '/', \xNN is a byte.
  CHECK(expand_ok("%I", "web@acme-web\\x2dv2.container") == "acme/web-v2");
  CHECK(expand_ok("%i", "web@acme-web\\x2dv2.container") == "acme-web\\x2dv2");
  CHECK(expand_ok("%P", "a-b\\x5fc@x.container") == "a/b_c");
}

TEST_CASE("expand_specifiers: errors name the specifier") {
  CHECK(expand_error("%h/x", "web.container").find("unsupported specifier %h") !=
        std::string::npos);
  CHECK(expand_error("x%", "web.container").find("lone '%'") != std::string::npos);
  CHECK(expand_error("%U", "web.container").find("%U") != std::string::npos);
  CHECK(expand_error("%I", "web@a\\x2.container").find("%I: invalid escape") != std::string::npos);
  CHECK(expand_error("%I", "web@a\\y41.container").find("invalid escape") != std::string::npos);
  CHECK(expand_error("%I", "web@a\\x00.container").find("invalid escape") != std::string::npos);
}
