// The --json format of the design: one object per unit, keys present only when set.
// Written straight into the output for these fixed keys: a JSON tree per unit (nlohmann)
// cost more than reading the unit file (tools/bench scan). The bytes are nlohmann's
// dump() of the same object (ensure_ascii off, invalid UTF-8 replaced by U+FFFD), which
// test_quadlet_scan_json_output checks against nlohmann itself.
#include <array>
#include <cstdint>

#include <fmt/format.h>

#include "quadlet-scan/scanner.hpp"

namespace quadlet_scan {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence at text[i] (RFC 3629), or 0 with `bad`
// set to the length of its longest valid prefix (at least 1): that many bytes become one
// U+FFFD, as in nlohmann's decoder (the byte that broke a sequence is read again).
std::size_t utf8_sequence(std::string_view text, std::size_t i, std::size_t& bad) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;  // no overlong forms
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    bad = 1;
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const bool in_range = i + k < text.size() && byte(i + k) >= (k == 1 ? lo : 0x80) &&
                          byte(i + k) <= (k == 1 ? hi : 0xBF);
    if (!in_range) {
      bad = k;
      return 0;
    }
  }
  return len;
}

void append_escaped_byte(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
  }
}

// The bytes copied as they are: ASCII but for control characters, '"' and '\\'.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

// A JSON string: runs of plain ASCII are copied at once.
void append_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t run = i;
    while (run < s.size() && kPlain[static_cast<unsigned char>(s[run])]) ++run;
    out.append(s, i, run - i);
    i = run;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      append_escaped_byte(out, c);
      ++i;
      continue;
    }
    std::size_t bad = 0;
    const std::size_t len = utf8_sequence(s, i, bad);
    if (len != 0) {
      out.append(s, i, len);
      i += len;
    } else {
      out += kReplacement;
      i += bad;
    }
  }
  out += '"';
}

// One JSON object under construction; keys are fixed ASCII names.
class Object {
public:
  explicit Object(std::string& out) : out_(out) { out_ += '{'; }
  void str(std::string_view key, std::string_view value) {
    name(key);
    append_string(out_, value);
  }
  void opt_str(std::string_view key, const std::optional<std::string>& value) {
    if (value) str(key, *value);
  }
  void number(std::string_view key, std::int64_t value) {
    name(key);
    fmt::format_to(std::back_inserter(out_), "{}", value);
  }
  void opt_bool(std::string_view key, const std::optional<bool>& value) {
    if (!value) return;
    name(key);
    out_ += *value ? "true" : "false";
  }
  void strings(std::string_view key, const std::vector<std::string>& values) {
    name(key);
    out_ += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i != 0) out_ += ',';
      append_string(out_, values[i]);
    }
    out_ += ']';
  }
  // Starts a nested value under key; the caller writes it into out().
  std::string& nested(std::string_view key) {
    name(key);
    return out_;
  }
  void close() { out_ += '}'; }

private:
  void name(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }

  std::string& out_;
  bool first_ = true;
};

bool has_pull(const PullOptions& p) { return p != PullOptions{}; }

void append_pull(std::string& out, const PullOptions& p) {
  Object j(out);
  j.opt_str("authfile", p.authfile);
  j.opt_bool("tls_verify", p.tls_verify);
  j.opt_str("arch", p.arch);
  j.opt_str("os", p.os);
  j.opt_str("variant", p.variant);
  j.opt_str("cert_dir", p.cert_dir);
  j.opt_str("creds", p.creds);
  j.opt_str("decryption_key", p.decryption_key);
  j.opt_bool("all_tags", p.all_tags);
  if (p.retry) j.number("retry", *p.retry);
  j.opt_str("retry_delay", p.retry_delay);
  if (p.policy) j.str("policy", pull_policy_name(*p.policy));
  j.close();
}

void append_image(std::string& out, const ImageUse& use) {
  Object j(out);
  j.str("image", use.reference);
  j.str("key", use.key);
  j.str("file", use.file);
  if (use.line != 0) j.number("line", use.line);
  j.opt_str("via", use.via);
  j.opt_str("image_tag", use.image_tag);
  if (has_pull(use.pull)) append_pull(j.nested("pull"), use.pull);
  j.close();
}

// The error's text; it names its file when that is not the unit's own (a drop-in, the
// .image unit behind Image=).
std::string error_text(const UnitResult& u) {
  const Error& e = *u.error;
  if (e.path.empty() || e.path == u.source) return e.message;
  return e.to_string();
}

void append_resolved(Object& j, std::string& out, const UnitResult& u) {
  j.str("source", u.source);
  j.opt_str("bound_by", u.bound_by);
  j.opt_str("default_instance", u.default_instance);
  // The first image at the top level: the single-image form of earlier versions.
  j.opt_str("image", u.image);
  j.opt_str("image_tag", u.image_tag);
  if (has_pull(u.pull)) append_pull(j.nested("pull"), u.pull);
  if (!u.images.empty()) {
    j.nested("images") += '[';
    for (std::size_t i = 0; i < u.images.size(); ++i) {
      if (i != 0) out += ',';
      append_image(out, u.images[i]);
    }
    out += ']';
  }
  j.opt_str("built_locally", u.built_locally);
  j.opt_str("unsupported", u.unsupported);
  if (!u.warnings.empty()) j.strings("warnings", u.warnings);
}

}  // namespace

void append_json_line(std::string& out, const UnitResult& u) {
  Object j(out);
  j.str("unit", u.unit);
  if (u.error) {
    j.str("source", u.source);
    j.str("error", error_text(u));
    if (u.error->line != 0) j.number("line", u.error->line);
  } else if (u.built_locally && u.images.empty()) {
    j.str("built_locally", *u.built_locally);
    if (!u.warnings.empty()) j.strings("warnings", u.warnings);
  } else {
    append_resolved(j, out, u);
  }
  j.close();
}

std::string to_json_line(const UnitResult& u) {
  std::string out;
  append_json_line(out, u);
  return out;
}

}  // namespace quadlet_scan
