#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "quadlet-scan/utf8.hpp"

using quadlet_scan::append_utf8;
using quadlet_scan::find_invalid_utf8;
using quadlet_scan::printable;

TEST_CASE("find_invalid_utf8: accepts the edges of each sequence length") {
  for (const std::string ok :
       {"", "ascii", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
        "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"}) {
    CAPTURE(ok);
    CHECK_FALSE(find_invalid_utf8(ok).has_value());
  }
}

TEST_CASE("find_invalid_utf8: gives the offset of the first bad byte") {
  struct Case {
    std::string text;
    std::size_t offset;
  };
  const Case cases[] = {
      {"ab\x80", 2},            // lone continuation byte
      {"\xC0\x80", 0},          // overlong NUL
      {"x\xC1\xBF", 1},         // overlong
      {"\xE0\x9F\xBF", 0},      // overlong three-byte
      {"\xF0\x8F\xBF\xBF", 0},  // overlong four-byte
      {"\xED\xA0\x80", 0},      // surrogate U+D800
      {"\xED\xBF\xBF", 0},      // surrogate U+DFFF
      {"\xF4\x90\x80\x80", 0},  // above U+10FFFF
      {"\xF5\x80\x80\x80", 0},
      {"ok\xE2\x82", 2},  // truncated at the end
      {"\xE2\x82x", 0},   // truncated before ASCII
      {"\xFE", 0},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(find_invalid_utf8(c.text) == std::optional<std::size_t>(c.offset));
  }
}

TEST_CASE("append_utf8 encodes each length") {
  std::string out;
  for (const char32_t cp : {U'\x41', U'\xE9', U'\x20AC', U'\x1F433', U'\x10FFFF'})
    append_utf8(out, cp);
  CHECK(out == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x90\xB3\xF4\x8F\xBF\xBF");
  CHECK_FALSE(find_invalid_utf8(out).has_value());
}

TEST_CASE("printable escapes control bytes and broken UTF-8 only") {
  CHECK(printable("plain caf\xC3\xA9") == "plain caf\xC3\xA9");
  CHECK(printable("a\x1b[1mb\x7f\n") == "a\\x1b[1mb\\x7f\\x0a");
  CHECK(printable("\xFF\xC3") == "\\xff\\xc3");
  CHECK(printable(std::string("\0", 1)) == "\\x00");
}
