// The line syntax of unit files. We follow podman's Quadlet parser
// (pkg/systemd/parser/unitfile.go) because Quadlet, not systemd, reads Image= and the
// pull keys: where the two differ (a continuation joins lines without adding a space),
// Quadlet's reading is the one that decides which image gets pulled at boot.

#include "quadlet-scan/unit_file.hpp"

#include <algorithm>
#include <unordered_map>

#include "quadlet-scan/utf8.hpp"

namespace quadlet_scan {

namespace {

constexpr std::string_view kWhitespace = " \t\r\n\v\f";
constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kWhitespace);
  return s.substr(first, last - first + 1);
}

bool is_comment_or_blank(std::string_view trimmed) {
  return trimmed.empty() || trimmed.front() == '#' || trimmed.front() == ';';
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

unsigned line_of(std::string_view text, std::size_t offset) {
  return 1 + static_cast<unsigned>(std::count(text.begin(), text.begin() + offset, '\n'));
}

std::unexpected<ParseError> fail(unsigned line, std::string message) {
  return std::unexpected(ParseError{line, std::move(message)});
}

// Rejects what must never reach the line parser: NUL bytes (a C consumer would stop
// reading there) and bytes that are not UTF-8.
std::expected<void, ParseError> check_bytes(std::string_view text) {
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    return fail(line_of(text, nul), "NUL byte in unit file");
  }
  if (const auto bad = find_invalid_utf8(text)) {
    return fail(line_of(text, *bad), "invalid UTF-8 in unit file");
  }
  return {};
}

// Finds sections by name in constant time. A hostile file can hold a hundred thousand
// headers in 1 MiB; a linear search per header would take minutes. A unit's few sections
// are searched in place, with no index to build (tools/bench scan: a hash map per unit
// file was a tenth of a scan's allocations).
class SectionIndex {
public:
  explicit SectionIndex(UnitFile& file) : file_(file) {
    if (file_.sections.size() > kLinear) build();
  }

  // The named section, appended when missing. Indices stay valid as the vector grows.
  std::size_t get(std::string_view name) {
    if (index_.empty()) {
      for (std::size_t i = 0; i < file_.sections.size(); ++i) {
        if (file_.sections[i].name == name) return i;
      }
      if (file_.sections.size() < kLinear) {
        file_.sections.push_back(Section{std::string(name), {}});
        return file_.sections.size() - 1;
      }
      build();
    }
    const auto [it, added] = index_.emplace(std::string(name), file_.sections.size());
    if (added) file_.sections.push_back(Section{std::string(name), {}});
    return it->second;
  }

private:
  static constexpr std::size_t kLinear = 8;

  void build() {
    for (std::size_t i = 0; i < file_.sections.size(); ++i)
      index_.emplace(file_.sections[i].name, i);
  }

  UnitFile& file_;
  std::unordered_map<std::string, std::size_t> index_;
};

class LineParser {
public:
  explicit LineParser(UnitFile& file) : file_(file), index_(file) {
    file_.sections.reserve(4);  // [Unit], the type's, [Service], [Install]
  }

  std::expected<void, ParseError> parse(std::string_view line, unsigned number) {
    if (line.front() == '[') return parse_header(line, number);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      return fail(number,
                  "line is not a [section] header, a key=value assignment or a comment: \"" +
                      printable(line.substr(0, 80)) + "\"");
    }
    const std::string_view key = trim(line.substr(0, eq));
    if (key.empty()) return fail(number, "assignment without a key");
    if (const auto bad = std::ranges::find_if(key,
                                              [](char c) {
                                                return is_control(static_cast<unsigned char>(c)) ||
                                                       c == ' ' || c == '[' || c == ']';
                                              });
        bad != key.end()) {
      return fail(number, "invalid key name \"" + printable(key) + "\"");
    }
    if (!current_) {
      return fail(number, "assignment to " + std::string(key) + "= outside of any [section]");
    }
    file_.sections[*current_].entries.push_back(
        Entry{std::string(key), std::string(trim(line.substr(eq + 1))), number, {}});
    return {};
  }

private:
  std::expected<void, ParseError> parse_header(std::string_view line, unsigned number) {
    const auto close = line.find(']');
    if (close == std::string_view::npos) {
      return fail(number, "section header without a closing ']'");
    }
    if (close != line.size() - 1) {
      return fail(number, "text after the ']' of a section header");
    }
    const std::string_view name = line.substr(1, close - 1);
    if (name.empty()) return fail(number, "empty section name");
    if (std::ranges::any_of(
            name, [](char c) { return c == '[' || is_control(static_cast<unsigned char>(c)); })) {
      return fail(number, "invalid section name \"" + printable(name) + "\"");
    }
    current_ = index_.get(name);
    return {};
  }

  UnitFile& file_;
  SectionIndex index_;
  std::optional<std::size_t> current_;
};

}  // namespace

Section& UnitFile::section(std::string_view name) {
  for (auto& s : sections) {
    if (s.name == name) return s;
  }
  sections.push_back(Section{std::string(name), {}});
  return sections.back();
}

const Section* UnitFile::find_section(std::string_view name) const {
  for (const auto& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool UnitFile::has_section(std::string_view name) const { return find_section(name) != nullptr; }

const Entry* UnitFile::last(std::string_view section_name, std::string_view key) const {
  const Section* s = find_section(section_name);
  if (s == nullptr) return nullptr;
  for (auto it = s->entries.rbegin(); it != s->entries.rend(); ++it) {
    if (it->key == key) return it->value.empty() ? nullptr : &*it;
  }
  return nullptr;
}

std::vector<const Entry*> UnitFile::all(std::string_view section_name, std::string_view key) const {
  std::vector<const Entry*> out;
  const Section* s = find_section(section_name);
  if (s == nullptr) return out;
  for (const auto& e : s->entries) {
    if (e.key != key) continue;
    if (e.value.empty()) {
      out.clear();
    } else {
      out.push_back(&e);
    }
  }
  return out;
}

void UnitFile::merge(const UnitFile& dropin) {
  if (&dropin == this) {  // appending a vector to itself would read what it reallocates
    merge(UnitFile(dropin));
    return;
  }
  SectionIndex index(*this);
  for (const auto& src : dropin.sections) {
    auto& dst = sections[index.get(src.name)].entries;
    dst.insert(dst.end(), src.entries.begin(), src.entries.end());
  }
}

std::expected<UnitFile, ParseError> parse_unit_file(std::string_view text) {
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  if (auto ok = check_bytes(text); !ok) return std::unexpected(ok.error());

  UnitFile file;
  LineParser parser(file);
  // A continued line: the pieces joined so far and the line number of the first piece.
  std::string pending;
  bool continuing = false;
  unsigned pending_line = 0;

  unsigned number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++number;

    // Comments and blank lines inside a continuation are skipped, as Quadlet does.
    if (is_comment_or_blank(line)) continue;
    if (line.back() == '\\') {
      line.remove_suffix(1);
      if (!continuing) pending_line = number;
      continuing = true;
      pending.append(line);
      continue;
    }
    unsigned at = number;
    if (continuing) {
      pending.append(line);
      line = pending;
      at = pending_line;
    }
    if (auto ok = parser.parse(line, at); !ok) return std::unexpected(ok.error());
    if (continuing) {
      pending.clear();
      continuing = false;
    }
  }
  // A continuation that runs into the end of the file ends there (systemd does the same).
  if (continuing && !trim(pending).empty()) {
    if (auto ok = parser.parse(trim(pending), pending_line); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return file;
}

}  // namespace quadlet_scan
