// systemd's extract_first_word() with EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE (src/basic/
// extract-word.c, escape.c), the flags Quadlet uses for Image= and the pull keys. Strict
// mode: an unterminated quote, a trailing backslash or an unknown escape is an error.

#include <array>
#include <cstdint>

#include "quadlet-scan/unit_file.hpp"
#include "quadlet-scan/utf8.hpp"

namespace quadlet_scan {

namespace {

constexpr std::string_view kSeparators = " \t\n\r";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads `digits` hex digits from the front of s; nullopt when there are fewer.
std::optional<std::uint32_t> read_hex(std::string_view s, std::size_t digits) {
  if (s.size() < digits) return std::nullopt;
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const int h = hex_value(s[i]);
    if (h < 0) return std::nullopt;
    v = (v << 4) | static_cast<std::uint32_t>(h);
  }
  return v;
}

bool is_valid_code_point(std::uint32_t c) {
  return c != 0 && c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
}

// Decodes the escape whose letter starts `rest` (the text after the backslash), appends
// the result to out and returns how many characters of rest it used.
std::expected<std::size_t, std::string> unescape_one(std::string_view rest, std::string& out) {
  static constexpr std::array<std::pair<char, char>, 11> simple = {{{'a', '\a'},
                                                                    {'b', '\b'},
                                                                    {'f', '\f'},
                                                                    {'n', '\n'},
                                                                    {'r', '\r'},
                                                                    {'t', '\t'},
                                                                    {'v', '\v'},
                                                                    {'\\', '\\'},
                                                                    {'"', '"'},
                                                                    {'\'', '\''},
                                                                    {'s', ' '}}};
  const char letter = rest.front();
  for (const auto& [from, to] : simple) {
    if (letter == from) {
      out.push_back(to);
      return 1;
    }
  }
  const auto bad = [&](std::size_t len, const char* why) {
    return std::unexpected("invalid escape \\" + printable(rest.substr(0, len)) + ": " + why);
  };
  switch (letter) {
    case 'x': {
      const auto v = read_hex(rest.substr(1), 2);
      if (!v) return bad(3, "expected two hex digits");
      if (*v == 0) return bad(3, "NUL is not allowed");
      out.push_back(static_cast<char>(*v));
      return 3;
    }
    case 'u':
    case 'U': {
      const std::size_t digits = letter == 'u' ? 4 : 8;
      const auto v = read_hex(rest.substr(1), digits);
      if (!v)
        return bad(digits + 1,
                   letter == 'u' ? "expected four hex digits" : "expected eight hex digits");
      if (!is_valid_code_point(*v)) return bad(digits + 1, "not a valid Unicode code point");
      append_utf8(out, static_cast<char32_t>(*v));
      return digits + 1;
    }
    default: break;
  }
  if (letter >= '0' && letter <= '7') {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      if (i >= rest.size() || rest[i] < '0' || rest[i] > '7') {
        return bad(3, "expected three octal digits");
      }
      v = (v << 3) | static_cast<std::uint32_t>(rest[i] - '0');
    }
    if (v == 0) return bad(3, "NUL is not allowed");
    if (v > 0xFF) return bad(3, "octal value above \\377");
    out.push_back(static_cast<char>(v));
    return 3;
  }
  return bad(1, "unknown escape");
}

}  // namespace

std::expected<std::vector<std::string>, std::string> split_words(std::string_view raw) {
  std::vector<std::string> words;
  std::size_t i = 0;
  const std::size_t n = raw.size();
  while (true) {
    while (i < n && kSeparators.find(raw[i]) != std::string_view::npos) ++i;
    if (i == n) break;
    // Once a word has started it is returned even when empty: `""` is one empty word.
    std::string word;
    char quote = 0;
    while (i < n) {
      const char c = raw[i];
      if (quote == 0 && kSeparators.find(c) != std::string_view::npos) break;
      if (c == '\\') {
        if (i + 1 == n) return std::unexpected("trailing backslash in \"" + printable(raw) + "\"");
        auto used = unescape_one(raw.substr(i + 1), word);
        if (!used) return std::unexpected(used.error());
        i += 1 + *used;
      } else if (quote != 0 && c == quote) {
        quote = 0;
        ++i;
      } else if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
        ++i;
      } else {
        word.push_back(c);
        ++i;
      }
    }
    if (quote != 0) {
      return std::unexpected(std::string("unterminated ") + (quote == '"' ? "double" : "single") +
                             " quote in \"" + printable(raw) + "\"");
    }
    words.push_back(std::move(word));
  }
  return words;
}

std::expected<std::string, std::string> single_word(std::string_view raw) {
  auto words = split_words(raw);
  if (!words) return std::unexpected(words.error());
  if (words->empty()) return std::unexpected(std::string("empty value"));
  if (words->size() > 1) {
    return std::unexpected("expected one word, got " + std::to_string(words->size()) + " in \"" +
                           printable(raw) + "\"");
  }
  return std::move(words->front());
}

std::optional<bool> parse_boolean(std::string_view value) {
  const auto equals = [&](std::string_view word) {
    if (value.size() != word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      const char c = value[i];
      const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      if (lower != word[i]) return false;
    }
    return true;
  };
  for (const auto word : {"1", "yes", "y", "true", "t", "on"}) {
    if (equals(word)) return true;
  }
  for (const auto word : {"0", "no", "n", "false", "f", "off"}) {
    if (equals(word)) return false;
  }
  return std::nullopt;
}

}  // namespace quadlet_scan
