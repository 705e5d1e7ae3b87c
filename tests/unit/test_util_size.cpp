#include <doctest/doctest.h>

#include "base/size.hpp"

using rootpin::util::human_size;
using rootpin::util::parse_size;

TEST_CASE("parse_size: bytes and binary units, as systemd reads sizes") {
  CHECK(parse_size("0").value() == 0);
  CHECK(parse_size("1048576").value() == 1048576);
  CHECK(parse_size("100B").value() == 100);
  CHECK(parse_size("512K").value() == 512ULL << 10);
  CHECK(parse_size("800m").value() == 800ULL << 20);
  CHECK(parse_size("2G").value() == 2ULL << 30);
  CHECK(parse_size("2GiB").value() == 2ULL << 30);
  CHECK(parse_size("2GB").value() == 2ULL << 30);
  CHECK(parse_size("1T").value() == 1ULL << 40);
}

TEST_CASE("size_text: the largest binary unit that divides the size, read back the same") {
  using rootpin::util::size_text;
  CHECK(size_text(0) == "0");
  CHECK(size_text(100) == "100");
  CHECK(size_text(1536ULL << 10) == "1536K");
  CHECK(size_text(512ULL << 20) == "512M");
  CHECK(size_text(1ULL << 30) == "1G");
  CHECK(size_text(3ULL << 40) == "3T");
  for (std::uint64_t bytes : {0ULL, 1ULL, 1023ULL, 1024ULL, 1ULL << 30, (1ULL << 30) + 1}) {
    CHECK(parse_size(size_text(bytes)).value() == bytes);
  }
}

TEST_CASE("parse_size: anything else is an error naming the text") {
  for (const char* bad : {"", "G", "-1", "1.5G", "1 G", "1X", "1Gb", "1GiBs", " 1", "1Bi",
                          "99999999999999999999", "20000000T"}) {
    CAPTURE(bad);
    auto r = parse_size(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("'" + std::string(bad) + "' is not a size") != std::string::npos);
  }
}

TEST_CASE("human_size: SI units as podman prints them") {
  CHECK(human_size(999) == "999 B");
  CHECK(human_size(11300) == "11.3 kB");
  CHECK(human_size(1200000000) == "1.2 GB");
}
