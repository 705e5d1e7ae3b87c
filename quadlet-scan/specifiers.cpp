// Quadlet unit names (systemd's unit_name_is_valid() over the Quadlet suffixes) and the
// specifiers systemd expands in the generated service's ExecStart, where Image= ends up.

#include "quadlet-scan/specifiers.hpp"

#include <algorithm>
#include <array>

#include "quadlet-scan/utf8.hpp"

namespace quadlet_scan {

namespace {

constexpr std::size_t kUnitNameMax = 256;  // systemd's UNIT_NAME_MAX, counting the NUL

struct Suffix {
  std::string_view text;
  UnitType type;
  std::string_view service_infix;  // what Quadlet appends to the stem of the service name
};
constexpr std::array<Suffix, 7> kSuffixes = {{
    {".container", UnitType::Container, ""},
    {".image", UnitType::Image, "-image"},
    {".volume", UnitType::Volume, "-volume"},
    {".build", UnitType::Build, "-build"},
    {".kube", UnitType::Kube, ""},
    {".network", UnitType::Network, "-network"},
    {".pod", UnitType::Pod, "-pod"},
}};

// systemd's VALID_CHARS_WITH_AT.
bool is_unit_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '-' || c == '_' || c == '.' || c == '\\' || c == '@';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// systemd's unit_name_unescape(): '-' is '/', "\xNN" is a byte, any other '\' is invalid.
std::expected<std::string, std::string> unescape(std::string_view s, char specifier) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-') {
      out.push_back('/');
    } else if (s[i] == '\\') {
      const int hi = i + 3 < s.size() && s[i + 1] == 'x' ? hex_value(s[i + 2]) : -1;
      const int lo = hi >= 0 ? hex_value(s[i + 3]) : -1;
      if (lo < 0 || (hi == 0 && lo == 0)) {
        return std::unexpected(std::string("%") + specifier + ": invalid escape in \"" +
                               printable(s) + "\"");
      }
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

const Suffix* find_suffix(std::string_view suffix) {
  const auto it = std::ranges::find(kSuffixes, suffix, &Suffix::text);
  return it == kSuffixes.end() ? nullptr : &*it;
}

}  // namespace

bool UnitName::is_template() const {
  return instance.empty() && full.find('@') != std::string::npos;
}

bool UnitName::is_instance() const { return !instance.empty(); }

std::string UnitName::template_name() const { return is_instance() ? prefix + "@" + suffix : full; }

std::string UnitName::stem() const { return full.substr(0, full.size() - suffix.size()); }

std::string UnitName::service_name() const {
  const Suffix* s = find_suffix(suffix);
  return stem() + std::string(s != nullptr ? s->service_infix : "") + ".service";
}

namespace {

// A unit file name taken apart, as views into the name.
struct NameParts {
  std::string_view filename;  // without any directory
  std::string_view body;      // before the suffix
  const Suffix* suffix = nullptr;
  std::size_t at = std::string_view::npos;  // the '@' in body
};

std::optional<NameParts> split_unit_name(std::string_view filename) {
  if (const auto slash = filename.rfind('/'); slash != std::string_view::npos) {
    filename.remove_prefix(slash + 1);
  }
  if (filename.size() >= kUnitNameMax) return std::nullopt;
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const Suffix* suffix = find_suffix(filename.substr(dot));
  if (suffix == nullptr) return std::nullopt;
  const std::string_view body = filename.substr(0, dot);
  if (!std::ranges::all_of(body, is_unit_name_char)) return std::nullopt;
  const auto at = body.find('@');
  if (at == 0) return std::nullopt;
  return NameParts{filename, body, suffix, at};
}

}  // namespace

bool is_unit_name(std::string_view filename) { return split_unit_name(filename).has_value(); }

std::optional<UnitName> parse_unit_name(std::string_view filename) {
  auto parts = split_unit_name(filename);
  if (!parts) return std::nullopt;
  UnitName name;
  name.full = parts->filename;
  name.suffix = parts->suffix->text;
  name.type = parts->suffix->type;
  name.prefix = parts->body.substr(0, parts->at);
  if (parts->at != std::string_view::npos) name.instance = parts->body.substr(parts->at + 1);
  return name;
}

std::expected<std::string, std::string> expand_specifiers(std::string_view value,
                                                          const UnitName& unit) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out.push_back(value[i]);
      continue;
    }
    if (i + 1 == value.size()) {
      return std::unexpected(std::string("lone '%' at the end of \"") + printable(value) +
                             "\" (write %% for a percent sign)");
    }
    const char spec = value[++i];
    switch (spec) {
      case '%': out.push_back('%'); break;
      case 'n': out += unit.service_name(); break;
      case 'N': out += unit.stem(); break;
      case 'p': out += unit.prefix; break;
      case 'i': out += unit.instance; break;
      case 'P':
      case 'I': {
        auto plain = unescape(spec == 'P' ? unit.prefix : unit.instance, spec);
        if (!plain) return std::unexpected(plain.error());
        out += *plain;
        break;
      }
      default:
        return std::unexpected("unsupported specifier %" + printable(value.substr(i, 1)) +
                               " in \"" + printable(value) +
                               "\" (only %i %I %n %N %p %P %% resolve here)");
    }
  }
  return out;
}

}  // namespace quadlet_scan
