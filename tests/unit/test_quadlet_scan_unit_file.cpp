#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "quadlet-scan/unit_file.hpp"

using namespace std::string_literals;
using quadlet_scan::parse_unit_file;
using quadlet_scan::UnitFile;

namespace {

UnitFile parse_ok(std::string_view text) {
  auto parsed = parse_unit_file(text);
  REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
  return *parsed;
}

std::string image_of(const UnitFile& unit) {
  const auto* entry = unit.last("Container", "Image");
  REQUIRE(entry != nullptr);
  return entry->value;
}

}  // namespace

TEST_CASE("unit_file: sections, keys, values and line numbers") {
  const auto unit = parse_ok(
      "# a comment\n"
      "; another\n"
      "[Unit]\n"
      "Description = The web front end  \n"
      "\n"
      "[Container]\n"
      "  Image=quay.io/acme/web:1.4\n"
      "Environment=A=1\n");
  REQUIRE(unit.sections.size() == 2);
  CHECK(unit.sections[0].name == "Unit");
  CHECK(unit.has_section("Container"));
  CHECK_FALSE(unit.has_section("Service"));
  const auto* description = unit.last("Unit", "Description");
  REQUIRE(description != nullptr);
  CHECK(description->value == "The web front end");
  CHECK(description->line == 4);
  CHECK(image_of(unit) == "quay.io/acme/web:1.4");
  CHECK(unit.last("Container", "Image")->line == 7);
  // Only the first '=' splits key from value.
  CHECK(unit.last("Container", "Environment")->value == "A=1");
  CHECK(unit.last("Container", "Missing") == nullptr);
  CHECK(unit.last("Nowhere", "Image") == nullptr);
}

TEST_CASE("unit_file: repeated keys, empty assignment resets, duplicate sections") {
  const auto unit = parse_ok(
      "[Container]\n"
      "Image=first\n"
      "Volume=/a:/a\n"
      "Volume=/b:/b\n"
      "[Service]\n"
      "Restart=always\n"
      "[Container]\n"
      "Image=second\n"
      "Volume=\n"
      "Volume=/c:/c\n");
  REQUIRE(unit.sections.size() == 2);
  CHECK(unit.sections[0].entries.size() == 6);
  CHECK(image_of(unit) == "second");
  const auto volumes = unit.all("Container", "Volume");
  REQUIRE(volumes.size() == 1);
  CHECK(volumes[0]->value == "/c:/c");

  const auto reset = parse_ok("[Container]\nImage=a\nImage=\n");
  CHECK(reset.last("Container", "Image") == nullptr);
  CHECK(reset.all("Container", "Image").empty());
  const auto reset_spaces = parse_ok("[Container]\nImage=a\nImage =   \n");
  CHECK(reset_spaces.last("Container", "Image") == nullptr);
}

TEST_CASE("unit_file: a repeated section past the first eight is still the same section") {
  std::string text;
  for (int round = 0; round < 2; ++round) {
    for (int s = 0; s < 12; ++s)
      text += "[S" + std::to_string(s) + "]\nK=" + std::to_string(round) + "\n";
  }
  const auto unit = parse_ok(text);
  REQUIRE(unit.sections.size() == 12);
  for (const auto& section : unit.sections) {
    CAPTURE(section.name);
    REQUIRE(section.entries.size() == 2);
    CHECK(unit.last(section.name, "K")->value == "1");
  }
}

TEST_CASE("unit_file: line continuations") {
  SUBCASE("joined without a space, as Quadlet does") {
    const auto unit = parse_ok("[Container]\nImage=quay.io/acme/\\\n    web:1.4\nPull=never\n");
    CHECK(image_of(unit) == "quay.io/acme/web:1.4");
    CHECK(unit.last("Container", "Image")->line == 2);
    CHECK(unit.last("Container", "Pull")->line == 4);
  }
  SUBCASE("spaces before the backslash stay") {
    const auto unit = parse_ok("[Container]\nExec=a \\\n b \\\n c\n");
    CHECK(unit.last("Container", "Exec")->value == "a b c");
  }
  SUBCASE("comments and blank lines inside a continuation are skipped") {
    const auto unit = parse_ok("[Container]\nExec=one \\\n# not here\n; nor here\n\n two\n");
    CHECK(unit.last("Container", "Exec")->value == "one two");
  }
  SUBCASE("continuation ending at end of file") {
    CHECK(image_of(parse_ok("[Container]\nImage=busybox\\")) == "busybox");
    CHECK(image_of(parse_ok("[Container]\nImage=busy\\\nbox\\\n")) == "busybox");
    CHECK(image_of(parse_ok("[Container]\nImage=busybox \\\n# trailing comment\n")) == "busybox");
  }
}

TEST_CASE("unit_file: CRLF, BOM and long lines") {
  const auto unit = parse_ok("\xEF\xBB\xBF[Container]\r\nImage=a\\\r\nb\r\nPull=never\r\n");
  CHECK(image_of(unit) == "ab");
  CHECK(unit.last("Container", "Pull")->value == "never");

  const std::string long_value(200 * 1024, 'x');
  const auto long_unit = parse_ok("[Container]\nLabel=" + long_value + "\nImage=busybox\n");
  CHECK(long_unit.last("Container", "Label")->value == long_value);
  CHECK(image_of(long_unit) == "busybox");

  // A BOM anywhere but the start is not stripped: it makes the header malformed.
  CHECK_FALSE(parse_unit_file("[Unit]\n\xEF\xBB\xBF[Container]\n").has_value());
}

TEST_CASE("unit_file: rejected input names the line") {
  struct Case {
    std::string text;
    unsigned line;
    std::string needle;
  };
  const Case cases[] = {
      {"[Container]\nImage=a\0b\n"s, 2, "NUL"},
      {"[Container]\nImage=\xC0\xAF\n", 2, "UTF-8"},          // overlong '/'
      {"[Container]\n\nImage=\xED\xA0\x80\n", 3, "UTF-8"},    // surrogate U+D800
      {"[Container]\nImage=caf\xC3", 2, "UTF-8"},             // truncated sequence
      {"[Container]\nImage=\xF4\x90\x80\x80\n", 2, "UTF-8"},  // above U+10FFFF
      {"[Container]\nImage=\xFF\n", 2, "UTF-8"},
      {"Image=busybox\n[Container]\n", 1, "outside"},
      {"# c\n\nImage=busybox\n", 3, "outside"},
      {"[Container\nImage=a\n", 1, "']'"},
      {"[Container] x\n", 1, "after"},
      {"[]\n", 1, "empty section"},
      {"[Con[tainer]\n", 1, "invalid section"},
      {"[Container]\nImage busybox\n", 2, "not a [section]"},
      {"[Container]\n=busybox\n", 2, "without a key"},
      {"[Container]\nIm age=busybox\n", 2, "invalid key"},
      {"[Container]\nIm\x01ge=busybox\n", 2, "invalid key"},
      {"[Container]\nImage=a\nno\\\n# c\nequals\n", 3, "not a [section]"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto parsed = parse_unit_file(c.text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().line == c.line);
    CHECK(parsed.error().message.find(c.needle) != std::string::npos);
  }
}

TEST_CASE("unit_file: valid multi-byte UTF-8 and an empty file") {
  const auto unit = parse_ok("[Unit]\nDescription=Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xB3\n");
  CHECK(unit.last("Unit", "Description")->value == "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xB3");
  CHECK(parse_ok("").sections.empty());
  CHECK(parse_ok("\n# only comments\n\n").sections.empty());
}

TEST_CASE("unit_file: merge appends drop-in entries, later wins") {
  auto unit = parse_ok("[Container]\nImage=a\nVolume=/a:/a\n");
  const auto dropin = parse_ok("[Container]\nImage=b\nVolume=/b:/b\n[Service]\nRestart=no\n");
  unit.merge(dropin);
  CHECK(image_of(unit) == "b");
  CHECK(unit.all("Container", "Volume").size() == 2);
  CHECK(unit.last("Service", "Restart")->value == "no");
  CHECK(unit.sections.size() == 2);
}

TEST_CASE("unit_file: merge into itself doubles the entries") {
  auto unit = parse_ok("[Container]\nVolume=/a:/a\n[Service]\nRestart=no\n");
  unit.merge(unit);
  CHECK(unit.all("Container", "Volume").size() == 2);
  CHECK(unit.sections.size() == 2);
}

TEST_CASE("unit_file: a megabyte of distinct section headers parses in linear time") {
  // A hostile root can pack ~80k headers into the 1 MiB cap; a linear search per header
  // (quadratic in all) takes minutes, a hashed lookup well under a second.
  std::string text;
  for (int i = 0; text.size() < (1U << 20); ++i) text += "[s" + std::to_string(i) + "]\nK=v\n";
  const auto start = std::chrono::steady_clock::now();
  auto unit = parse_ok(text);
  unit.merge(parse_ok(text));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(unit.sections.size() > 50000);
  CHECK(unit.all("s7", "K").size() == 2);
  CHECK(elapsed < std::chrono::seconds(20));
}
