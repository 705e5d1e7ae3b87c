#pragma once
// UTF-8 checks and encoding for text read from an untrusted root.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace quadlet_scan {

// Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or nullopt when all is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// Appends the UTF-8 encoding of a valid code point (not a surrogate, <= U+10FFFF).
void append_utf8(std::string& out, char32_t code_point);

// A printable rendering of untrusted text for error messages: control bytes and
// bytes >= 0x80 that are not valid UTF-8 come out as \xNN, so a message never
// carries a terminal escape sequence.
std::string printable(std::string_view text);

}  // namespace quadlet_scan
