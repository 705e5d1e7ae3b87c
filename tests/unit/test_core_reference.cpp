#include <doctest/doctest.h>

#include "src/core/reference.hpp"

using namespace rootpin::core;
using rootpin::core::StoredImage;

TEST_CASE("canonicalize applies podman's defaults") {
  CHECK(canonicalize("alpine")->name() == "docker.io/library/alpine:latest");
  CHECK(canonicalize("alpine")->short_name);
  CHECK(canonicalize("acme/web:2")->name() == "docker.io/acme/web:2");
  CHECK(canonicalize("docker.io/alpine:3")->name() == "docker.io/library/alpine:3");
  CHECK(canonicalize("quay.io/acme/web")->name() == "quay.io/acme/web:latest");
  CHECK_FALSE(canonicalize("quay.io/acme/web")->short_name);
  CHECK(canonicalize("127.0.0.1:5000/a/b:1")->name() == "127.0.0.1:5000/a/b:1");
  std::string digest = "sha256:" + std::string(64, 'a');
  CHECK(canonicalize("quay.io/acme/web@" + digest)->name() == "quay.io/acme/web@" + digest);
  CHECK(canonicalize("quay.io/acme/web:1@" + digest)->name() == "quay.io/acme/web@" + digest);
  CHECK(canonicalize("docker://quay.io/acme/web:1")->name() == "quay.io/acme/web:1");
}

TEST_CASE("canonicalize rejects what podman would take as an option or split") {
  auto bad = canonicalize("--root=/x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().starts_with("invalid image reference '--root=/x': "));
  CHECK_FALSE(canonicalize("quay.io/a b"));
  CHECK_FALSE(canonicalize(""));
}

TEST_CASE("a tag reference matches by name, a digest reference by RepoDigests") {
  std::string d1 = "sha256:" + std::string(64, '1');
  StoredImage img{"id1",
                  {"quay.io/acme/web:1", "docker.io/library/alpine:latest"},
                  {"quay.io/acme/web@" + d1},
                  d1,
                  10};
  CHECK(matches(*canonicalize("quay.io/acme/web:1"), img));
  CHECK_FALSE(matches(*canonicalize("quay.io/acme/web:2"), img));
  CHECK_FALSE(matches(*canonicalize("quay.io/acme/web"), img));  // :latest
  CHECK(matches(*canonicalize("alpine"), img));
  CHECK(matches(*canonicalize("quay.io/acme/web@" + d1), img));
  CHECK_FALSE(matches(*canonicalize("quay.io/other/web@" + d1), img));
  CHECK_FALSE(matches(*canonicalize("quay.io/acme/web@sha256:" + std::string(64, '2')), img));
}

TEST_CASE("a short name also matches its localhost/ form") {
  StoredImage img{"id2", {"localhost/tools:1"}, {}, "", 1};
  CHECK(matches(*canonicalize("tools:1"), img));
  CHECK_FALSE(matches(*canonicalize("docker.io/tools:1"), img));
}

TEST_CASE("find_image and digest_for") {
  std::string d1 = "sha256:" + std::string(64, '1');
  std::string d2 = "sha256:" + std::string(64, '2');
  std::vector<StoredImage> listing = {
      {"a", {"quay.io/x/a:1"}, {"quay.io/x/a@" + d1}, d1, 1},
      {"b", {"quay.io/x/b:1", "quay.io/y/b:1"}, {"quay.io/x/b@" + d1, "quay.io/y/b@" + d2}, d1, 1},
  };
  auto ref = *canonicalize("quay.io/y/b:1");
  auto found = find_image(ref, listing);
  REQUIRE(found);
  CHECK(found->id == "b");
  CHECK(digest_for(ref, *found) == d2);
  CHECK_FALSE(find_image(*canonicalize("quay.io/z/b:1"), listing));
}

TEST_CASE("looks_like_digest") {
  CHECK(looks_like_digest("sha256:" + std::string(64, 'f')));
  CHECK(looks_like_digest(std::string(64, '0')));
  CHECK_FALSE(looks_like_digest("sha256:" + std::string(63, 'f')));
  CHECK_FALSE(looks_like_digest("quay.io/a:1"));
}
