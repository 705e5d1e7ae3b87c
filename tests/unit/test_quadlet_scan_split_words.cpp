#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "quadlet-scan/unit_file.hpp"

using quadlet_scan::parse_boolean;
using quadlet_scan::single_word;
using quadlet_scan::split_words;
using Words = std::vector<std::string>;

namespace {

Words split_ok(std::string_view raw) {
  auto words = split_words(raw);
  REQUIRE_MESSAGE(words.has_value(), (words ? "" : words.error()));
  return *words;
}

std::string split_error(std::string_view raw) {
  auto words = split_words(raw);
  REQUIRE_FALSE(words.has_value());
  return words.error();
}

}  // namespace

TEST_CASE("split_words: whitespace and quotes") {
  CHECK(split_ok("").empty());
  CHECK(split_ok(" \t ").empty());
  CHECK(split_ok("a  b\tc") == Words{"a", "b", "c"});
  CHECK(split_ok("\"a b\" 'c d'") == Words{"a b", "c d"});
  // Quotes may open in the middle of a word and join with what surrounds them.
  CHECK(split_ok("x\"a b\"y z") == Words{"xa by", "z"});
  CHECK(split_ok("'it\"s'") == Words{"it\"s"});
  CHECK(split_ok("\"\"") == Words{""});
  CHECK(split_ok("a \"\" b") == Words{"a", "", "b"});
}

TEST_CASE("split_words: C escapes inside and outside quotes") {
  CHECK(split_ok(R"(\a\b\f\n\r\t\v)") == Words{"\a\b\f\n\r\t\v"});
  CHECK(split_ok(R"(a\\b \"q\" \'s\')") == Words{"a\\b", "\"q\"", "'s'"});
  CHECK(split_ok(R"(one\stwo)") == Words{"one two"});

  CHECK(split_ok(R"("\x41\102\u00e9\U0001F433")") == Words{"AB\xC3\xA9\xF0\x9F\x90\xB3"});
  CHECK(split_ok(R"('tab\there')") == Words{"tab\there"});
}

TEST_CASE("split_words: errors") {
  CHECK(split_error("\"open").find("unterminated double quote") != std::string::npos);
  CHECK(split_error("a 'open").find("unterminated single quote") != std::string::npos);
  CHECK(split_error("trailing\\").find("trailing backslash") != std::string::npos);
  CHECK(split_error(R"(\q)").find("\\q") != std::string::npos);
  CHECK(split_error(R"(a\ b)").find("unknown escape") != std::string::npos);
  CHECK(split_error(R"(\x4)").find("hex") != std::string::npos);
  CHECK(split_error(R"(\x00)").find("NUL") != std::string::npos);
  CHECK(split_error(R"(\000)").find("NUL") != std::string::npos);
  CHECK(split_error(R"(\400)").find("octal") != std::string::npos);
  CHECK(split_error(R"(\12)").find("octal") != std::string::npos);
  CHECK(split_error(R"(\ud800)").find("code point") != std::string::npos);
  CHECK(split_error(R"(\U00110000)").find("code point") != std::string::npos);
  CHECK(split_error(R"(\u12)").find("four hex") != std::string::npos);
}

TEST_CASE("single_word") {
  CHECK(single_word("busybox").value() == "busybox");
  CHECK(single_word("  \"quay.io/acme/web:1.4\"  ").value() == "quay.io/acme/web:1.4");
  CHECK(single_word("").error() == "empty value");
  CHECK(single_word("a b").error().find("one word, got 2") != std::string::npos);
  CHECK_FALSE(single_word("'a").has_value());
}

TEST_CASE("parse_boolean") {
  for (const auto* yes : {"1", "yes", "YES", "y", "true", "True", "t", "on", "ON"}) {
    CAPTURE(yes);
    CHECK(parse_boolean(yes) == std::optional<bool>(true));
  }
  for (const auto* no : {"0", "no", "N", "n", "false", "FALSE", "f", "off", "Off"}) {
    CAPTURE(no);
    CHECK(parse_boolean(no) == std::optional<bool>(false));
  }
  for (const auto* neither : {"", "2", "yess", "enabled", " yes", "of"}) {
    CAPTURE(neither);
    CHECK_FALSE(parse_boolean(neither).has_value());
  }
}
