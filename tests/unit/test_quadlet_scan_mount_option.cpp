// Mount= words as podman 5.4 reads them (CSV fields, type=, source=/src=).

#include <doctest/doctest.h>

#include "quadlet-scan/mount_option.hpp"

using quadlet_scan::parse_mount;
using quadlet_scan::split_csv_record;

TEST_CASE("mount: CSV fields as Go's encoding/csv splits them") {
  CHECK(*split_csv_record("a,b,c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(*split_csv_record("\"a,b\",c") == std::vector<std::string>{"a,b", "c"});
  CHECK(*split_csv_record("\"say \"\"hi\"\"\",x=") == std::vector<std::string>{"say \"hi\"", "x="});
  CHECK(*split_csv_record("a,,b,") == std::vector<std::string>{"a", "", "b", ""});
  CHECK(*split_csv_record("a,b\n") == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(split_csv_record("a\"b").has_value());
  CHECK_FALSE(split_csv_record("\"ab").has_value());
  CHECK_FALSE(split_csv_record("\"a\"b").has_value());
  CHECK_FALSE(split_csv_record("a\nb").has_value());
  CHECK_FALSE(split_csv_record("").has_value());
}

TEST_CASE("mount: type and source") {
  auto m = parse_mount("type=image,source=quay.io/acme/assets:7,destination=/srv");
  REQUIRE(m.has_value());
  CHECK(m->type == "image");
  CHECK(m->source == "quay.io/acme/assets:7");
  // src= too; the last source wins; type may come anywhere.
  auto m2 = parse_mount("src=a:1,dst=/x,source=b:2,type=image");
  REQUIRE(m2.has_value());
  CHECK(m2->type == "image");
  CHECK(m2->source == "b:2");
  // The first token that is exactly type=T; "type=a=b" is not one.
  auto m3 = parse_mount("type=a=b,type=image,type=bind,source=models.image");
  REQUIRE(m3.has_value());
  CHECK(m3->type == "image");
  CHECK(m3->source == "models.image");
  auto tmpfs = parse_mount("type=tmpfs,destination=/tmp");
  REQUIRE(tmpfs.has_value());
  CHECK(tmpfs->type == "tmpfs");
  CHECK_FALSE(tmpfs->source.has_value());
  CHECK(parse_mount("type=tmpfs,source").has_value());  // not a sourced type
  CHECK_FALSE(parse_mount("type=image,source").has_value());
  CHECK_FALSE(parse_mount("source=a:1,destination=/x").has_value());  // no type=
  CHECK_FALSE(parse_mount("type=image,source=\"a").has_value());
}
