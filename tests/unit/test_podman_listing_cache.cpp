// The store generation and the listing cache that lets `rootpin boot` skip podman.

#include "src/podman/listing_cache.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include "tests/unit/temp_dir.hpp"

using namespace rootpin::podman;
using rootpin::core::StoredImage;
using test_support::TempDir;

namespace {

StoredImage image(const std::string& id, const std::string& name) {
  StoredImage i;
  i.id = id;
  i.names = {name};
  i.repo_digests = {"quay.io/acme/web@sha256:" + std::string(64, '1')};
  i.digest = "sha256:" + std::string(64, '1');
  i.size = 1234;
  return i;
}

// As containers-storage writes it: a new file renamed over the old one.
void rewrite(const TempDir& tmp, const std::string& rel, const std::string& content) {
  tmp.write(rel + ".tmp", content);
  std::filesystem::rename(tmp / (rel + ".tmp"), tmp / rel);
}

}  // namespace

TEST_CASE("listing cache: the generation follows every change of the image metadata") {
  TempDir tmp;
  const std::string store = tmp / "store";
  CHECK(store_generation(store).empty());  // no store
  tmp.write("store/overlay-images/images.lock", "");
  const std::string empty = store_generation(store);
  CHECK(empty == "overlay-images:json=none,lock=");
  rewrite(tmp, "store/overlay-images/images.json", "[]");
  const std::string one = store_generation(store);
  CHECK(one != empty);
  CHECK(store_generation(store) == one);                   // reading changes nothing
  rewrite(tmp, "store/overlay-images/images.json", "[]");  // same bytes, a new file
  const std::string two = store_generation(store);
  CHECK(two != one);
  tmp.write("store/overlay-images/images.lock", "writer-2");
  CHECK(store_generation(store) != two);
}

TEST_CASE("listing cache: used only while the store's generation is the cached one") {
  TempDir tmp;
  const std::string state = tmp / "state";
  const std::string store = tmp / "store";
  tmp.mkdir("state");
  rewrite(tmp, "store/vfs-images/images.json", "[]");
  CHECK_FALSE(current_cached_listing(state, store).has_value());  // nothing cached
  write_listing_cache(state, {store_generation(store), {image(std::string(64, 'a'), "x:1")}});
  auto cached = current_cached_listing(state, store);
  REQUIRE(cached.has_value());
  CHECK(*cached == std::vector{image(std::string(64, 'a'), "x:1")});
  rewrite(tmp, "store/vfs-images/images.json", "[]");  // someone tagged or removed
  CHECK_FALSE(current_cached_listing(state, store).has_value());
  tmp.write("state/store-listing.json", "{not json");  // damaged: no cache, no error
  CHECK_FALSE(read_listing_cache(state).has_value());
}

TEST_CASE("containers cache: its own generation, used only while it is the store's") {
  TempDir tmp;
  const std::string state = tmp / "state";
  const std::string store = tmp / "store";
  tmp.mkdir("state");
  CHECK(containers_generation(store).empty());  // no store yet
  rewrite(tmp, "store/overlay-containers/containers.json", "[]");
  rewrite(tmp, "store/overlay-images/images.json", "[]");
  const std::string gen = containers_generation(store);
  const std::string images = store_generation(store);
  CHECK_FALSE(gen.empty());
  const rootpin::core::StoredContainer hold{
      "c1", "rootpin-hold-a.image-0123", std::string(64, 'a'), {{"io.rootpin.holder", "a.image"}}};
  CHECK_FALSE(read_containers_cache(state, gen).has_value());  // nothing cached
  write_containers_cache(state, gen, {hold});
  auto cached = read_containers_cache(state, gen);
  REQUIRE(cached.has_value());
  CHECK(*cached == std::vector{hold});
  // A prune (or any create, rm, rename) rewrites containers.json: not the cached generation.
  rewrite(tmp, "store/overlay-containers/containers.json", "[]");
  CHECK(containers_generation(store) != gen);
  CHECK_FALSE(read_containers_cache(state, containers_generation(store)).has_value());
  CHECK(store_generation(store) == images);  // the images' generation is another one
  CHECK_FALSE(read_containers_cache(state, "").has_value());
}
