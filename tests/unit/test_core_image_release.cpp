#include <doctest/doctest.h>

#include "src/core/image_release.hpp"

using namespace rootpin;

namespace {

const std::string kId(64, 'a');
const std::string kTag = "quay.io/acme/web:1";
const std::string kDigestName = "quay.io/acme/web@sha256:" + std::string(64, 'd');

core::StoredImage image_named(std::vector<std::string> names) {
  return {kId, std::move(names), {}, "sha256:" + std::string(64, 'd'), 100};
}

}  // namespace

TEST_CASE(
    "an image with two names of rootpin's: the tag is untagged, the digest name goes with the "
    "rmi") {
  const core::NameOwnership every{.every_name = true, .references = {}};
  auto release = core::plan_release(image_named({kDigestName, kTag}), every);
  CHECK(release.removes_image());
  CHECK(release.untag == std::vector<std::string>{kTag});
  CHECK(core::plan_release(image_named({kTag}), every).untag.empty());
  CHECK(core::plan_release(image_named({}), every).removes_image());
}

TEST_CASE("pin mode system: only the names rootpin's references give are rootpin's") {
  // Pulled by digest, tagged for a hold: both known; an admin's tag is not.
  const core::NameOwnership ours{.every_name = false, .references = {kDigestName, kTag}};
  auto release = core::plan_release(image_named({kDigestName, kTag}), ours);
  CHECK(release.removes_image());
  CHECK(release.untag == std::vector<std::string>{kTag});

  auto kept = core::plan_release(image_named({kTag, "localhost/admin/keep:1", kDigestName}), ours);
  CHECK_FALSE(kept.removes_image());
  CHECK(kept.foreign == std::vector<std::string>{"localhost/admin/keep:1"});
  CHECK(kept.untag == std::vector<std::string>{kTag, kDigestName});

  // A digest name of a repository rootpin pulled is rootpin's; another tag of it is not.
  const core::NameOwnership by_tag{.every_name = false, .references = {kTag}};
  CHECK(core::owns_name(by_tag, kDigestName));
  CHECK_FALSE(core::owns_name(by_tag, "quay.io/acme/web:keep"));
  CHECK_FALSE(core::owns_name(by_tag, "quay.io/acme/other@sha256:" + std::string(64, 'd')));
  // A short reference as written names podman's canonical name.
  const core::NameOwnership short_ref{.every_name = false, .references = {"alpine"}};
  CHECK(core::owns_name(short_ref, "docker.io/library/alpine:latest"));
}
