// The reference grammar of github.com/distribution/reference (regexp.go), checked by hand:
// std::regex backtracks recursively and can exhaust the stack on long hostile input.
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] component ( "/" component )*      (255 bytes at most)
//   domain     := ( host-label ( "." host-label )* | "[" ipv6 "]" ) [ ":" port ]
//   component  := alnum+ ( separator alnum+ )*  with alnum [a-z0-9], separator . _ __ -+
//   tag        := [\w][\w.-]{0,127}
//   digest     := algorithm ":" hex
//
// Which first component is a domain follows docker's splitDockerDomain(): one that holds
// '.' or ':', is "localhost" or is a bracketed IPv6 address. Anything else (including
// "Upper") is the first path component, so upper case there is rejected, not read as a host.

#include "quadlet-scan/image_ref.hpp"

#include <algorithm>
#include <array>

#include "quadlet-scan/utf8.hpp"

namespace quadlet_scan {

namespace {

constexpr std::string_view kDockerTransport = "docker://";
constexpr std::size_t kNameMax = 255;
constexpr std::size_t kTagMax = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_word(char c) { return is_alnum(c) || c == '_'; }

using Check = std::expected<void, std::string>;

// Untrusted text quoted in a message: bounded, and with control bytes escaped.
std::string shown(std::string_view s) {
  constexpr std::size_t kMax = 100;
  return s.size() > kMax ? printable(s.substr(0, kMax)) + "..." : printable(s);
}

std::unexpected<std::string> why(std::string message) {
  return std::unexpected(std::move(message));
}

// component := alnum+ ( ( "." | "_" | "__" | "-"+ ) alnum+ )*
Check check_path_component(std::string_view c) {
  if (c.empty()) return why("empty path component (a leading, trailing or doubled '/')");
  if (std::ranges::any_of(c, [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
    return why("upper case letters in repository path component \"" + shown(c) +
               "\" (repository names are lower case)");
  }
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    while (i < c.size() && is_lower_alnum(c[i])) ++i;
    if (i == start) {
      return why("path component \"" + shown(c) +
                 "\" must start and end with a letter or digit, and separators ('.', '_', '__', "
                 "'-') must sit between letters or digits");
    }
    if (i == c.size()) return {};
    const std::size_t sep = i;
    if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < c.size() && c[i] == '_') ++i;
    } else if (c[i] == '.') {
      ++i;
    } else {
      return why("character '" + std::string(1, c[i]) + "' not allowed in path component \"" +
                 shown(c) + "\"");
    }
    if (i == c.size()) {
      return why("path component \"" + shown(c) + "\" ends with separator \"" +
                 shown(c.substr(sep)) + "\"");
    }
  }
}

// host-label := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
Check check_host_label(std::string_view label, std::string_view host) {
  if (label.empty()) return why("empty label in registry host \"" + shown(host) + "\"");
  if (!is_alnum(label.front()) || !is_alnum(label.back()) ||
      !std::ranges::all_of(label, [](char ch) { return is_alnum(ch) || ch == '-'; })) {
    return why("invalid registry host \"" + shown(host) +
               "\" (labels are letters, digits and inner '-')");
  }
  return {};
}

Check check_domain(std::string_view domain) {
  std::string_view host = domain;
  std::string_view port;
  bool has_port = false;
  if (domain.front() == '[') {
    const auto close = domain.find(']');
    if (close == std::string_view::npos) return why("unterminated '[' in registry host");
    host = domain.substr(0, close + 1);
    const auto inner = host.substr(1, host.size() - 2);
    if (inner.empty() ||
        !std::ranges::all_of(inner, [](char ch) { return is_hex(ch) || ch == ':'; })) {
      return why("invalid IPv6 address \"" + shown(host) + "\" in registry host");
    }
    const auto after = domain.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return why("unexpected text after ']' in registry host");
      has_port = true;
      port = after.substr(1);
    }
  } else {
    if (const auto colon = domain.find(':'); colon != std::string_view::npos) {
      host = domain.substr(0, colon);
      has_port = true;
      port = domain.substr(colon + 1);
    }
    std::size_t start = 0;
    while (true) {
      const auto dot = host.find('.', start);
      const auto label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
      if (auto ok = check_host_label(label, host); !ok) return ok;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  if (has_port && (port.empty() || !std::ranges::all_of(port, is_digit))) {
    return why("invalid port \"" + shown(port) + "\" in registry \"" + shown(domain) +
               "\" (digits only)");
  }
  return {};
}

Check check_tag(std::string_view tag) {
  if (tag.empty()) return why("empty tag after ':'");
  if (tag.size() > kTagMax) {
    return why("tag is " + std::to_string(tag.size()) + " characters long (at most 128)");
  }
  if (!is_word(tag.front()))
    return why("tag \"" + shown(tag) + "\" must start with a letter, digit or '_'");
  if (!std::ranges::all_of(tag, [](char ch) { return is_word(ch) || ch == '.' || ch == '-'; })) {
    return why("tag \"" + shown(tag) + "\" may hold only letters, digits, '_', '.' and '-'");
  }
  return {};
}

// The algorithms go-digest (and so podman) can verify, with their hex lengths.
struct Algorithm {
  std::string_view name;
  std::size_t hex_length;
};
constexpr std::array<Algorithm, 3> kAlgorithms = {
    {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}}};

Check check_digest(std::string_view digest) {
  if (digest.empty()) return why("empty digest after '@'");
  const auto colon = digest.find(':');
  if (colon == std::string_view::npos) {
    return why("digest \"" + shown(digest) + "\" is not of the form algorithm:hex");
  }
  const auto algo = digest.substr(0, colon);
  const auto hex = digest.substr(colon + 1);
  const auto known = std::ranges::find(kAlgorithms, algo, &Algorithm::name);
  if (known == kAlgorithms.end()) {
    return why("unsupported digest algorithm \"" + shown(algo) + "\" (sha256, sha384 or sha512)");
  }
  if (hex.size() != known->hex_length ||
      !std::ranges::all_of(hex, [](char ch) { return is_digit(ch) || (ch >= 'a' && ch <= 'f'); })) {
    return why(shown(algo) + " digest must be " + std::to_string(known->hex_length) +
               " lower-case hex digits, got \"" + shown(hex) + "\"");
  }
  return {};
}

bool looks_like_domain(std::string_view first) {
  return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
         first.starts_with('[');
}

// Splits off transport, digest and tag, then checks each part. Fills ref as it goes.
Check parse_into(std::string_view text, ImageRef& ref) {
  if (text.empty()) return why("empty image reference");
  if (text.starts_with(kDockerTransport)) {
    ref.transport = kDockerTransport;
    text.remove_prefix(kDockerTransport.size());
  } else if (const auto scheme = text.find("://"); scheme != std::string_view::npos) {
    return why("unsupported transport \"" + shown(text.substr(0, scheme + 3)) +
               "\" (only docker:// can be pulled)");
  }
  if (text.empty()) return why("empty image reference after the transport");
  if (text.front() == '-')
    return why("image reference starts with '-' (it would read as an option)");
  for (const char ch : text) {
    const auto b = static_cast<unsigned char>(ch);
    if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f') {
      return why("whitespace in image reference");
    }
    if (b < 0x20 || b == 0x7F) return why("control character in image reference");
    if (b >= 0x80) return why("non-ASCII character in image reference");
  }

  std::string_view name = text;
  if (const auto at = name.find('@'); at != std::string_view::npos) {
    ref.digest = name.substr(at + 1);
    name = name.substr(0, at);
    if (auto ok = check_digest(ref.digest); !ok) return ok;
  }
  const auto last_slash = name.rfind('/');
  if (const auto colon = name.rfind(':');
      colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = name.substr(colon + 1);
    name = name.substr(0, colon);
    if (auto ok = check_tag(ref.tag); !ok) return ok;
  }
  if (name.empty()) return why("image reference has no repository name");
  if (name.size() > kNameMax) {
    return why("repository name is " + std::to_string(name.size()) +
               " characters long (at most 255)");
  }
  std::string_view path = name;
  if (const auto slash = name.find('/');
      slash != std::string_view::npos && looks_like_domain(name.substr(0, slash))) {
    ref.domain = name.substr(0, slash);
    path = name.substr(slash + 1);
    if (auto ok = check_domain(ref.domain); !ok) return ok;
  }
  ref.path = path;
  std::size_t start = 0;
  while (true) {
    const auto slash = path.find('/', start);
    const auto component =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (auto ok = check_path_component(component); !ok) return ok;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return {};
}

}  // namespace

std::string ImageRef::repository() const { return domain.empty() ? path : domain + "/" + path; }

std::string ImageRef::without_transport() const {
  std::string out = repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::expected<ImageRef, std::string> parse_image_ref(std::string_view text) {
  ImageRef ref;
  ref.as_written = text;
  if (auto ok = parse_into(text, ref); !ok) {
    return std::unexpected("invalid image reference \"" + shown(text) + "\": " + ok.error());
  }
  return ref;
}

}  // namespace quadlet_scan
