#pragma once
// systemd unit-file syntax (systemd.syntax(7)), as Quadlet reads it. Pure: text in,
// sections out; the caller adds the path to errors.

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quadlet_scan {

struct ParseError {
  unsigned line = 0;  // 1-based
  std::string message;
};

struct Entry {
  std::string key;
  std::string value;   // raw: surrounding whitespace trimmed, continuations joined, not unquoted
  unsigned line = 0;   // line of the key
  std::string origin;  // file the entry came from (set by merge callers; "" for the main text)
};

struct Section {
  std::string name;
  std::vector<Entry> entries;  // in file order; a repeated [Name] appends here
};

class UnitFile {
public:
  std::vector<Section> sections;

  bool has_section(std::string_view name) const;
  // The last assignment of key in section; an empty assignment that comes last means
  // "reset" and gives nullopt.
  const Entry* last(std::string_view section, std::string_view key) const;
  // Every value of a list-like key, honouring empty-assignment resets.
  std::vector<const Entry*> all(std::string_view section, std::string_view key) const;
  // Appends a drop-in's entries after this file's (later wins), section by section.
  void merge(const UnitFile& dropin);

  // The named section, or nullptr.
  const Section* find_section(std::string_view name) const;
  // The named section, appended (empty) when missing.
  Section& section(std::string_view name);
};

// Parses a whole unit file. Accepts LF and CRLF line ends and a UTF-8 BOM; rejects NUL
// bytes, invalid UTF-8, entries outside a section, malformed section headers.
std::expected<UnitFile, ParseError> parse_unit_file(std::string_view text);

// Splits a raw value into words as systemd does (whitespace separated, "double" and
// 'single' quotes, C escapes \n \t \\ \" \' \xNN \uNNNN, ...).
std::expected<std::vector<std::string>, std::string> split_words(std::string_view raw);

// A value that must be one word (Image=, AuthFile=, ...): unquoted and unescaped.
// More than one word is an error.
std::expected<std::string, std::string> single_word(std::string_view raw);

// systemd boolean: 1/yes/y/true/t/on and 0/no/n/false/f/off (case-insensitive).
std::optional<bool> parse_boolean(std::string_view value);

}  // namespace quadlet_scan
