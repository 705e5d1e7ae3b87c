#include "src/cli/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.hpp"
#include "quadlet-scan/unit_file.hpp"
#include "src/cli/config_keys.hpp"

namespace rootpin::cli {

namespace fs = std::filesystem;

namespace {

// The key an entry sets: named as in rootpin.conf (StateDir) or as its option (state-dir).
const ConfigKey* entry_key(const std::string& key) {
  for (const ConfigKey& k : config_keys()) {
    if (key == k.name || key == k.option) {
      return &k;
    }
  }
  return nullptr;
}

void read_file(const fs::path& path, std::map<std::string, ConfigValue>& into) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw util::Error::format("cannot read configuration file {}", path.string());
  }
  std::stringstream text;
  text << in.rdbuf();
  auto unit = quadlet_scan::parse_unit_file(text.str());
  if (!unit) {
    throw util::Error::format("{}:{}: {}", path.string(), unit.error().line, unit.error().message);
  }
  for (const auto& section : unit->sections) {
    if (section.name != "Rootpin") {
      throw util::Error::format("{}: unknown section [{}] (expected [Rootpin])", path.string(),
                                section.name);
    }
    for (const auto& entry : section.entries) {
      std::string origin = fmt::format("{}:{}", path.string(), entry.line);
      const ConfigKey* key = entry_key(entry.key);
      if (key == nullptr) {
        throw util::Error::format("{}: unknown key {}=", origin, entry.key);
      }
      auto value = quadlet_scan::single_word(entry.value);
      if (!value) {
        throw util::Error::format("{}: {}=: {}", origin, entry.key, value.error());
      }
      into[std::string(key->option)] = {*value, origin};
    }
  }
}

}  // namespace

std::string default_config_dir() {
  if (const char* env = std::getenv("ROOTPIN_CONFIG_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::string(ROOTPIN_SYSCONFDIR) + "/rootpin";
}

std::map<std::string, ConfigValue> read_config(const std::string& config_file,
                                               const std::string& config_dir) {
  std::map<std::string, ConfigValue> values;
  if (!config_file.empty()) {
    read_file(config_file, values);
    return values;
  }
  fs::path dir = config_dir.empty() ? default_config_dir() : config_dir;
  std::error_code ec;
  if (fs::is_regular_file(dir / "rootpin.conf", ec)) {
    read_file(dir / "rootpin.conf", values);
  }
  std::vector<fs::path> dropins;
  for (const auto& e : fs::directory_iterator(dir / "rootpin.conf.d", ec)) {
    if (e.path().extension() == ".conf" && e.is_regular_file(ec)) {
      dropins.push_back(e.path());
    }
  }
  std::sort(dropins.begin(), dropins.end());
  for (const auto& p : dropins) {
    read_file(p, values);
  }
  return values;
}

}  // namespace rootpin::cli
