#pragma once
// /etc/rootpin/rootpin.conf then rootpin.conf.d/*.conf (lexical order), systemd syntax,
// section [Rootpin], the keys of config_keys.hpp's table, each spelled StateDir= or
// state-dir=. Flags override them.

#include <map>
#include <string>

namespace rootpin::cli {

struct ConfigValue {
  std::string value;
  std::string origin;  // "file:line" for messages
};

// Long option name ("state-dir") -> its last value over all files. Throws util::Error
// naming the file and line for a syntax error or an unknown key.
std::map<std::string, ConfigValue> read_config(const std::string& config_file,
                                               const std::string& config_dir);

// The configuration directory: --config-dir, else $ROOTPIN_CONFIG_DIR, else
// SYSCONFDIR/rootpin.
std::string default_config_dir();

}  // namespace rootpin::cli
