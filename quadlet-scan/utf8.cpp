#include "quadlet-scan/utf8.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace quadlet_scan {

namespace {

// Length of the well-formed sequence starting at text[i], or 0 when it is not one.
// Follows the table of Unicode 15, section 3.9 (D92), which excludes overlong forms and
// surrogates by narrowing the range of the second byte.
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  const auto b0 = byte(0);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  std::uint8_t lo = 0x80;
  std::uint8_t hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (b0 == 0xED) hi = 0x9F;  // U+D800..U+DFFF surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong below U+10000
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // continuation byte, C0/C1 overlong lead, or F5..FF
  }
  if (text.size() - i < len) return 0;
  if (byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(k) < 0x80 || byte(k) > 0xBF) return 0;
  }
  return len;
}

}  // namespace

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    // Eight ASCII bytes at a time: unit files are mostly ASCII.
    std::uint64_t word = 0;
    while (text.size() - i >= sizeof word &&
           (std::memcpy(&word, text.data() + i, sizeof word), (word & 0x8080808080808080U) == 0)) {
      i += sizeof word;
    }
    if (i == text.size()) break;
    const std::size_t len = sequence_length(text, i);
    if (len == 0) return i;
    i += len;
  }
  return std::nullopt;
}

void append_utf8(std::string& out, char32_t cp) {
  const auto put = [&](std::uint32_t v) { out.push_back(static_cast<char>(v)); };
  const auto c = static_cast<std::uint32_t>(cp);
  if (c < 0x80) {
    put(c);
  } else if (c < 0x800) {
    put(0xC0 | (c >> 6));
    put(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    put(0xE0 | (c >> 12));
    put(0x80 | ((c >> 6) & 0x3F));
    put(0x80 | (c & 0x3F));
  } else {
    put(0xF0 | (c >> 18));
    put(0x80 | ((c >> 12) & 0x3F));
    put(0x80 | ((c >> 6) & 0x3F));
    put(0x80 | (c & 0x3F));
  }
}

std::string printable(std::string_view text) {
  static constexpr std::array<char, 16> hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<std::uint8_t>(text[i]);
    const std::size_t len = sequence_length(text, i);
    if (len > 1 || (len == 1 && b >= 0x20 && b != 0x7F)) {
      out.append(text.substr(i, len));
      i += len;
      continue;
    }
    out += "\\x";
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xF]);
    ++i;
  }
  return out;
}

}  // namespace quadlet_scan
