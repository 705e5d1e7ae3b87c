#include "src/cli/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.hpp"
#include "quadlet-scan/unit_file.hpp"

namespace rootpin::cli {

namespace fs = std::filesystem;

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = {
      "sysroot", "state-dir", "store",        "runroot",  "podman",      "storage-driver",
      "jobs",    "timeout",   "lock-timeout", "min-free", "metrics-dir", "pin-mode"};
  return keys;
}

namespace {

// "StateDir" -> "state-dir"; "state-dir" stays.
std::string option_name(const std::string& key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0) {
        out += '-';
      }
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
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
      std::string name = option_name(entry.key);
      std::string origin = fmt::format("{}:{}", path.string(), entry.line);
      const auto& keys = config_keys();
      if (std::find(keys.begin(), keys.end(), name) == keys.end()) {
        throw util::Error::format("{}: unknown key {}=", origin, entry.key);
      }
      auto value = quadlet_scan::single_word(entry.value);
      if (!value) {
        throw util::Error::format("{}: {}=: {}", origin, entry.key, value.error());
      }
      into[name] = {*value, origin};
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
