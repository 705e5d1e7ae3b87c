#include "src/cli/config_keys.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

#include "base/size.hpp"
#include "src/core/pin_mode.hpp"

namespace rootpin::cli {

namespace {

using app::GlobalOptions;
using SetResult = std::expected<void, std::string>;

template <std::string GlobalOptions::*Member>
std::string show_text(const GlobalOptions& o) {
  return o.*Member;
}

template <int GlobalOptions::*Member>
std::string show_count(const GlobalOptions& o) {
  return std::to_string(o.*Member);
}

template <std::string GlobalOptions::*Member>
SetResult set_text(GlobalOptions& o, const std::string& value) {
  o.*Member = value;
  return {};
}

template <int GlobalOptions::*Member>
SetResult set_count(GlobalOptions& o, const std::string& value) {
  int n = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, n);
  if (ec != std::errc() || ptr != end || n <= 0) {
    return std::unexpected(fmt::format("must be a positive number, not '{}'", value));
  }
  o.*Member = n;
  return {};
}

// Parsed once, here: GlobalOptions keeps the bytes.
SetResult set_min_free(GlobalOptions& o, const std::string& value) {
  auto size = util::parse_size(value);
  if (!size) {
    return std::unexpected(size.error());
  }
  o.min_free = *size;
  return {};
}

std::string show_min_free(const GlobalOptions& o) { return util::size_text(o.min_free); }

// Parsed once, here: GlobalOptions keeps the mode.
SetResult set_pin_mode(GlobalOptions& o, const std::string& value) {
  auto mode = core::parse_pin_mode(value);
  if (!mode) {
    return std::unexpected(fmt::format("is store or system, not '{}'", value));
  }
  o.pin_mode = *mode;
  return {};
}

std::string show_pin_mode(const GlobalOptions& o) {
  return std::string(core::pin_mode_name(o.pin_mode));
}

constexpr std::array kKeys = {
    ConfigKey{"Sysroot", "sysroot", "PATH", "The ostree sysroot",
              show_text<&GlobalOptions::sysroot>, set_text<&GlobalOptions::sysroot>},
    ConfigKey{"StateDir", "state-dir", "DIR", "Where the ledger lives",
              show_text<&GlobalOptions::state_dir>, set_text<&GlobalOptions::state_dir>},
    ConfigKey{"Store", "store", "DIR", "rootpin's image store (podman --root)",
              show_text<&GlobalOptions::store>, set_text<&GlobalOptions::store>},
    ConfigKey{"Runroot", "runroot", "DIR", "The store's runroot (podman --runroot)",
              show_text<&GlobalOptions::runroot>, set_text<&GlobalOptions::runroot>},
    ConfigKey{"Podman", "podman", "PATH", "The podman to run", show_text<&GlobalOptions::podman>,
              set_text<&GlobalOptions::podman>},
    ConfigKey{"StorageDriver", "storage-driver", "DRIVER", "podman --storage-driver for the store",
              show_text<&GlobalOptions::storage_driver>, set_text<&GlobalOptions::storage_driver>},
    ConfigKey{"PinMode", "pin-mode", "store|system",
              "store: rootpin's own store; system: podman's store, held by placeholders",
              show_pin_mode, set_pin_mode},
    ConfigKey{"Jobs", "jobs", "N", "Concurrent pulls", show_count<&GlobalOptions::jobs>,
              set_count<&GlobalOptions::jobs>},
    ConfigKey{"Timeout", "timeout", "SECONDS", "Seconds per pull",
              show_count<&GlobalOptions::timeout>, set_count<&GlobalOptions::timeout>},
    ConfigKey{"LockTimeout", "lock-timeout", "SECONDS", "Seconds to wait for another rootpin",
              show_count<&GlobalOptions::lock_timeout>, set_count<&GlobalOptions::lock_timeout>},
    ConfigKey{"MinFree", "min-free", "SIZE",
              "Free space the store's file system must keep to pull (e.g. 2G; 0: no check)",
              show_min_free, set_min_free},
    ConfigKey{"MetricsDir", "metrics-dir", "DIR",
              "Write node_exporter textfile metrics (rootpin.prom) into this directory",
              show_text<&GlobalOptions::metrics_dir>, set_text<&GlobalOptions::metrics_dir>},
};

}  // namespace

std::span<const ConfigKey> config_keys() { return kKeys; }

const ConfigKey* find_config_key(std::string_view option) {
  auto it = std::find_if(kKeys.begin(), kKeys.end(),
                         [option](const ConfigKey& k) { return k.option == option; });
  return it == kKeys.end() ? nullptr : &*it;
}

std::string help_text(const ConfigKey& key) {
  return fmt::format("{} (rootpin.conf: {}=)", key.help, key.name);
}

}  // namespace rootpin::cli
