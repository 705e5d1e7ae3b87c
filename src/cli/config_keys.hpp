#pragma once
// The configuration keys, in one table: each key's name in rootpin.conf (StateDir=), its
// long option (--state-dir, also accepted as state-dir= in the file), its --help text and
// the one parser that checks a value and sets it in GlobalOptions, for the command line and
// the file alike. rootpin.conf(5) documents exactly these keys (test_man checks it against
// --help, which names each key).

#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "src/app/options.hpp"

namespace rootpin::cli {

struct ConfigKey {
  std::string_view name;    // "StateDir"
  std::string_view option;  // "state-dir"
  std::string_view value;   // what the value is, in --help and rootpin.conf(5): "DIR"
  std::string_view help;    // --help text, without the key's name (help_text adds it)
  // The value's text for --help's default ("" = none shown).
  std::string (*show)(const app::GlobalOptions&);
  // Checks a value and sets it; the error says what the value must be.
  std::expected<void, std::string> (*set)(app::GlobalOptions&, const std::string& value);
};

std::span<const ConfigKey> config_keys();

// The key whose option is `option` ("state-dir"), or nullptr.
const ConfigKey* find_config_key(std::string_view option);

// --help's text for a key: its help and the key's name in rootpin.conf.
std::string help_text(const ConfigKey& key);

}  // namespace rootpin::cli
