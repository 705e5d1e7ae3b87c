#pragma once
// rootpin's global options: defaults, then the configuration files, then the flags.

#include <cstdint>
#include <string>

#include "src/core/pin_mode.hpp"

namespace rootpin::app {

struct GlobalOptions {
  std::string sysroot = "/";
  std::string state_dir = "/var/lib/rootpin";
  std::string store = "/var/lib/rootpin/storage";
  std::string runroot = "/run/rootpin/storage";
  std::string podman = "podman";
  std::string storage_driver;                     // "" = the host's configured driver
  core::PinMode pin_mode = core::PinMode::Store;  // parsed once (cli/config_keys.cpp)
  bool json = false;
  int verbosity = 0;
  int jobs = 3;
  int timeout = 600;       // seconds per pull
  int lock_timeout = 300;  // seconds to wait for another rootpin's writer lock
  // Free space the store's file system keeps, in bytes (--min-free 1G, parsed once by the
  // command line with util::parse_size).
  std::uint64_t min_free = std::uint64_t{1} << 30;
  std::string metrics_dir;  // node_exporter textfile directory; "" = no metrics
  std::string config_file;  // --config: read only this file
  std::string config_dir;   // --config-dir / ROOTPIN_CONFIG_DIR: rootpin.conf + .conf.d
};

}  // namespace rootpin::app
