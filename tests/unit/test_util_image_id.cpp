#include <doctest/doctest.h>

#include "base/image_id.hpp"

using rootpin::util::bare_image_id;

TEST_CASE("bare_image_id: the hex of an image ID, with or without its algorithm") {
  const std::string hex(64, 'a');
  CHECK(bare_image_id("sha256:" + hex) == hex);
  CHECK(bare_image_id(hex) == hex);
  CHECK(bare_image_id("") == "");
  // Only a leading prefix is the algorithm.
  CHECK(bare_image_id("x-sha256:" + hex) == "x-sha256:" + hex);
  CHECK(bare_image_id("sha256:") == "");
}
