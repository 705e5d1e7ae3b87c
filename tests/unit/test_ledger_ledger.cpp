#include "src/ledger/ledger.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace rootpin::ledger;

namespace {

Ledger sample() {
  Ledger l;
  l.set_root(RootRecord{.root_id = "fedora/3a8c.0",
                        .bound_at = "2024-05-01T12:00:00Z",
                        .images = {BoundImage{"web.container", "quay.io/acme/web:1.4", "sha256:aaa",
                                              "id-a", "2024-05-01T12:00:00Z"},
                                   BoundImage{"db.image", "quay.io/acme/db:2", "sha256:bbb", "id-b",
                                              "2024-05-01T12:00:01Z"}}});
  l.set_root(RootRecord{.root_id = "fedora/77ee.1",
                        .bound_at = "2024-04-01T08:00:00Z",
                        .images = {BoundImage{"web.container", "quay.io/acme/web:1.4", "sha256:old",
                                              "id-old", "2024-04-01T08:00:00Z"}}});
  l.pins.push_back(AdminPin{"docker.io/library/busybox:1", "sha256:ccc", "id-c", "debug shell",
                            "2024-05-02T00:00:00Z"});
  return l;
}

ParseError parse_error(const std::string& json) {
  auto parsed = parse_ledger_detailed(json);
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}

}  // namespace

TEST_CASE("ledger: serialize then parse gives the same ledger") {
  Ledger l = sample();
  std::string text = serialize_ledger(l);
  auto back = parse_ledger(text);
  REQUIRE(back.has_value());
  CHECK(*back == l);
  CHECK(back->roots.at("fedora/3a8c.0").root_id == "fedora/3a8c.0");
  // Stable: the same ledger always serializes to the same bytes.
  CHECK(serialize_ledger(*back) == text);
}

TEST_CASE("ledger: serialization is pretty, versioned first, newline-terminated") {
  std::string text = serialize_ledger(sample());
  CHECK(text.rfind("{\n  \"version\": 1,\n", 0) == 0);
  CHECK(text.back() == '\n');
  CHECK(text.find("\"fedora/3a8c.0\"") < text.find("\"fedora/77ee.1\""));

  std::string empty = serialize_ledger(Ledger{});
  auto back = parse_ledger(empty);
  REQUIRE(back.has_value());
  CHECK(back->roots.empty());
  CHECK(back->pins.empty());
}

TEST_CASE("ledger: a ledger from a newer rootpin is refused as such, not as corruption") {
  ParseError e = parse_error(R"({"version": 2, "roots": {}, "pins": []})");
  CHECK(e.kind == ParseError::Kind::FutureVersion);
  CHECK(e.message.find("version 2") != std::string::npos);
  CHECK(e.message.find("version 1") != std::string::npos);
  CHECK(e.message.find(ROOTPIN_VERSION) != std::string::npos);

  auto plain = parse_ledger(R"({"version": 7})");
  REQUIRE_FALSE(plain.has_value());
  CHECK(plain.error().find("version 7") != std::string::npos);
}

TEST_CASE("ledger: a version this rootpin never wrote is corruption") {
  CHECK(parse_error(R"({"version": 0})").kind == ParseError::Kind::Corrupt);
  CHECK(parse_error(R"({"version": -3})").kind == ParseError::Kind::Corrupt);
  ParseError missing = parse_error(R"({"roots": {}})");
  CHECK(missing.kind == ParseError::Kind::Corrupt);
  CHECK(missing.message.find("version") != std::string::npos);
  ParseError text = parse_error(R"({"version": "1"})");
  CHECK(text.message.find("expected an integer") != std::string::npos);
}

TEST_CASE("ledger: garbage is corrupt, with the parser's position") {
  for (const char* garbage : {"", "{", "not json", "{\"version\": 1,", "\x01\x02", "null", "[1]"}) {
    CAPTURE(garbage);
    CHECK(parse_error(garbage).kind == ParseError::Kind::Corrupt);
  }
  CHECK(parse_error("{\"version\": 1,\n  oops}").message.find("line 2") != std::string::npos);
}

TEST_CASE("ledger: wrong types are named by their JSON path") {
  struct Case {
    const char* json;
    const char* where;
  };
  for (const Case& c : {
           Case{R"({"version":1,"roots":[]})", "roots: expected an object"},
           Case{R"({"version":1,"pins":{}})", "pins: expected an array"},
           Case{R"({"version":1,"roots":{"a/b.0":{"images":{}}}})",
                "roots[\"a/b.0\"].images: expected an array"},
           Case{R"({"version":1,"roots":{"a/b.0":{"images":[{"digest":5}]}}})",
                "roots[\"a/b.0\"].images[0].digest: expected a string, found number"},
           Case{R"({"version":1,"roots":{"a/b.0":{"bound_at":true}}})",
                "roots[\"a/b.0\"].bound_at: expected a string"},
           Case{R"({"version":1,"roots":{"a/b.0":7}})", "roots[\"a/b.0\"]: expected an object"},
           Case{R"({"version":1,"pins":[{"reference":"x"},{"reference":["y"]}]})",
                "pins[1].reference: expected a string"},
           Case{R"({"version":1,"pins":[{"reason":"no ref"}]})", "pins[0]: a pin with neither"},
       }) {
    CAPTURE(c.json);
    ParseError e = parse_error(c.json);
    CHECK(e.kind == ParseError::Kind::Corrupt);
    CHECK_MESSAGE(e.message.find(c.where) != std::string::npos, e.message);
  }
}

TEST_CASE("ledger: unknown keys and missing optional fields are accepted") {
  auto l = parse_ledger(R"({"version":1,"future_key":{"x":1},
                            "roots":{"a/b.0":{"images":[{"reference":"r","extra":1}]}}})");
  REQUIRE(l.has_value());
  REQUIRE(l->roots.at("a/b.0").images.size() == 1);
  CHECK(l->roots.at("a/b.0").images[0].reference == "r");
  CHECK(l->roots.at("a/b.0").images[0].digest.empty());
  CHECK(l->pins.empty());
}

TEST_CASE("ledger: image IDs are read bare, however they were written") {
  auto l = parse_ledger(R"({"version":1,
      "roots":{"a/b.0":{"images":[{"reference":"r","image_id":"sha256:abc"}]}},
      "pins":[{"reference":"p","image_id":"sha256:def"}],
      "pulled":[{"image_id":"sha256:123"},{"image_id":"456"}]})");
  REQUIRE(l.has_value());
  CHECK(l->roots.at("a/b.0").images[0].image_id == "abc");
  CHECK(l->pins.at(0).image_id == "def");
  REQUIRE(l->pulled.size() == 2);
  CHECK(l->pulled[0].image_id == "123");
  CHECK(l->pulled[1].image_id == "456");
}

TEST_CASE("ledger: find_pin matches reference, digest, image id and name@digest") {
  Ledger l = sample();
  CHECK(l.find_pin("docker.io/library/busybox:1") != nullptr);
  CHECK(l.find_pin("sha256:ccc") != nullptr);
  CHECK(l.find_pin("id-c") != nullptr);
  CHECK(l.find_pin("docker.io/library/busybox@sha256:ccc") != nullptr);
  CHECK(l.find_pin("docker.io/library/busybox:2") == nullptr);
  CHECK(l.find_pin("sha256:aaa") == nullptr);  // held by a root, not pinned
  CHECK(l.find_pin("") == nullptr);
}

TEST_CASE("ledger: pinning again updates in place and keeps the reason unless given") {
  Ledger l = sample();
  l.add_or_update_pin(AdminPin{"docker.io/library/busybox:1", "sha256:ddd", "id-d", "", "t2"});
  REQUIRE(l.pins.size() == 1);
  CHECK(l.pins[0].digest == "sha256:ddd");
  CHECK(l.pins[0].reason == "debug shell");
  CHECK(l.pins[0].time == "t2");
  l.add_or_update_pin(AdminPin{"docker.io/library/busybox:1", "sha256:ddd", "id-d", "new", "t3"});
  CHECK(l.pins[0].reason == "new");
  l.add_or_update_pin(AdminPin{"quay.io/x:1", "sha256:eee", "id-e", "", "t4"});
  CHECK(l.pins.size() == 2);
}

TEST_CASE("ledger: remove_pin reports how many pins went") {
  Ledger l = sample();
  l.add_or_update_pin(AdminPin{"quay.io/x:1", "sha256:ccc", "id-c", "", "t"});
  CHECK(l.remove_pin("quay.io/nothing:1") == 0);
  CHECK(l.remove_pin("sha256:ccc") == 2);  // both pins name that digest
  CHECK(l.pins.empty());
}

TEST_CASE("ledger: held digests and ids cover roots and pins") {
  Ledger l = sample();
  CHECK(l.held_digests() ==
        std::set<std::string>{"sha256:aaa", "sha256:bbb", "sha256:ccc", "sha256:old"});
  CHECK(l.held_image_ids() == std::set<std::string>{"id-a", "id-b", "id-c", "id-old"});
  CHECK(l.holders_of_digest("sha256:aaa") == std::vector<std::string>{"fedora/3a8c.0"});
  CHECK(l.holders_of_digest("sha256:ccc") ==
        std::vector<std::string>{"pin docker.io/library/busybox:1"});

  auto removed = l.retain_roots({"fedora/3a8c.0"});
  CHECK(removed == std::vector<std::string>{"fedora/77ee.1"});
  CHECK_FALSE(l.held_digests().contains("sha256:old"));
  CHECK(l.find_root("fedora/77ee.1") == nullptr);
  CHECK(l.remove_root("fedora/3a8c.0"));
  CHECK_FALSE(l.remove_root("fedora/3a8c.0"));
}

TEST_CASE("ledger: several images per unit, each with its digest, key and file:line") {
  Ledger l;
  const std::string at = "/usr/share/containers/systemd/";
  l.set_root(
      RootRecord{.root_id = "fedora/3a8c.0",
                 .bound_at = "t",
                 .images = {BoundImage{"web.container", "quay.io/acme/web:1", "sha256:aaa", "id-a",
                                       "t", "Image", at + "web.container:2"},
                            BoundImage{"web.container", "quay.io/acme/assets:7", "sha256:bbb",
                                       "id-b", "t", "Mount", at + "web.container:4"},
                            BoundImage{"etcd.kube", "quay.io/coreos/etcd:3", "sha256:ccc", "id-c",
                                       "t", "Yaml", at + "etcd.yaml:9"}}});
  const std::string text = serialize_ledger(l);
  CHECK(text.find("\"key\": \"Mount\"") != std::string::npos);
  CHECK(text.find("\"named_at\": \"" + at + "etcd.yaml:9\"") != std::string::npos);
  auto back = parse_ledger(text);
  REQUIRE(back.has_value());
  CHECK(*back == l);
  CHECK(back->held_digests().size() == 3);

  // A ledger written before has neither key: they read as "" and are not written back.
  auto old = parse_ledger(
      R"({"version": 1, "roots": {"os/a.0": {"bound_at": "t", "images": [{"unit": "w.container",)"
      R"( "reference": "r:1", "digest": "sha256:d", "image_id": "i", "time": "t"}]}}, "pins": []})");
  REQUIRE(old.has_value());
  const auto& image = old->roots.at("os/a.0").images.at(0);
  CHECK(image.key.empty());
  CHECK(image.named_at.empty());
  CHECK(serialize_ledger(*old).find("named_at") == std::string::npos);
}

TEST_CASE("ledger: a pulled image keeps the references its holds named it by") {
  Ledger l;
  l.pulled.push_back({"abc", "quay.io/acme/web@sha256:1", "t"});
  l.pins.push_back({"quay.io/acme/web:1", "sha256:1", "abc", "", "t"});
  l.roots["a/b.0"] =
      RootRecord{"a/b.0", "t", {{"web.container", "quay.io/acme/web:2", "sha256:1", "abc", "t"}}};
  l.note_pulled_names();
  l.note_pulled_names();  // once each
  CHECK(l.pulled[0].names == std::vector<std::string>{"quay.io/acme/web:2", "quay.io/acme/web:1"});
  // Kept once the holds are gone, and through the file.
  l.pins.clear();
  l.roots.clear();
  l.note_pulled_names();
  auto back = parse_ledger(serialize_ledger(l));
  REQUIRE(back.has_value());
  CHECK(back->pulled == l.pulled);
  // Absent in a ledger written before: none.
  CHECK(serialize_ledger(
            Ledger{.roots = {}, .pins = {}, .pin_mode = "system", .pulled = {{"abc", "r", "t"}}})
            .find("names") == std::string::npos);
}
