// libFuzzer target for the pure parsers of quadlet-scan: the input is a whole unit file
// as an untrusted root would supply it. Every value then goes through the word splitter,
// the reference parser and the specifier expansion, as the scanner does with Image=.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "quadlet-scan/image_ref.hpp"
#include "quadlet-scan/specifiers.hpp"
#include "quadlet-scan/unit_file.hpp"

namespace {

void exercise_value(std::string_view raw, const quadlet_scan::UnitName& unit) {
  (void)quadlet_scan::parse_boolean(raw);
  (void)quadlet_scan::split_words(raw);
  const auto word = quadlet_scan::single_word(raw);
  if (!word) return;
  const auto expanded = quadlet_scan::expand_specifiers(*word, unit);
  const auto ref = quadlet_scan::parse_image_ref(expanded ? *expanded : *word);
  if (ref) {
    // A reference that parsed must print back to one that parses to the same parts.
    const auto again = quadlet_scan::parse_image_ref(ref->without_transport());
    if (!again || again->repository() != ref->repository() || again->tag != ref->tag ||
        again->digest != ref->digest) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const auto unit = *quadlet_scan::parse_unit_name("web@acme-web\\x2dv2.container");

  // The raw bytes straight into the value parsers as well: they must cope with what the
  // unit-file parser would have rejected (NUL, bad UTF-8).
  (void)quadlet_scan::parse_image_ref(text);
  (void)quadlet_scan::split_words(text);
  (void)quadlet_scan::expand_specifiers(text, unit);
  (void)quadlet_scan::parse_unit_name(text);

  auto parsed = quadlet_scan::parse_unit_file(text);
  if (!parsed) return 0;
  for (const auto& section : parsed->sections) {
    for (const auto& entry : section.entries) {
      exercise_value(entry.value, unit);
      (void)parsed->last(section.name, entry.key);
      (void)parsed->all(section.name, entry.key);
    }
  }
  auto copy = *parsed;
  copy.merge(*parsed);
  return 0;
}
