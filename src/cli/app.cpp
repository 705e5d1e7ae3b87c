#include "src/cli/app.hpp"

#include <charconv>
#include <iostream>

#include "base/size.hpp"
#include "src/app/metrics_report.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/config.hpp"
#include "src/core/holding.hpp"
#include "src/log/log.hpp"

namespace rootpin::cli {

namespace {

int to_int(const ConfigValue& v, const std::string& key) {
  int n = 0;
  auto [end, ec] = std::from_chars(v.value.data(), v.value.data() + v.value.size(), n);
  if (ec != std::errc() || end != v.value.data() + v.value.size() || n <= 0) {
    throw util::Error(v.origin + ": " + key + "= must be a positive number, not '" + v.value + "'",
                      util::ExitCode::Failed);
  }
  return n;
}

std::string to_size(const ConfigValue& v, const std::string& key) {
  if (auto size = util::parse_size(v.value); !size) {
    throw util::Error(v.origin + ": " + key + "=: " + size.error(), util::ExitCode::Failed);
  }
  return v.value;
}

std::string to_pin_mode(const ConfigValue& v, const std::string& key) {
  if (!core::parse_pin_mode(v.value)) {
    throw util::Error(v.origin + ": " + key + "= is store or system, not '" + v.value + "'",
                      util::ExitCode::Failed);
  }
  return v.value;
}

// Configuration values fill every option the command line did not set.
void apply_config(CLI::App& app, app::GlobalOptions& o) {
  auto values = read_config(o.config_file, o.config_dir);
  // Pin mode system uses podman's own store unless one is named (tests name theirs).
  const bool store_named = app.get_option("--store")->count() > 0 || values.contains("store");
  const bool runroot_named = app.get_option("--runroot")->count() > 0 || values.contains("runroot");
  for (const auto& [key, v] : values) {
    if (app.get_option("--" + key)->count() > 0) {
      continue;
    }
    if (key == "sysroot") o.sysroot = v.value;
    else if (key == "state-dir") o.state_dir = v.value;
    else if (key == "store") o.store = v.value;
    else if (key == "runroot") o.runroot = v.value;
    else if (key == "podman") o.podman = v.value;
    else if (key == "storage-driver") o.storage_driver = v.value;
    else if (key == "jobs") o.jobs = to_int(v, key);
    else if (key == "timeout") o.timeout = to_int(v, key);
    else if (key == "lock-timeout") o.lock_timeout = to_int(v, key);
    else if (key == "min-free") o.min_free = to_size(v, key);
    else if (key == "metrics-dir") o.metrics_dir = v.value;
    else if (key == "pin-mode") o.pin_mode = to_pin_mode(v, key);
  }
  if (o.pin_mode == "system") {
    o.store = store_named ? o.store : "";
    o.runroot = runroot_named ? o.runroot : "";
  }
}

void add_global_options(CLI::App& app, app::GlobalOptions& o) {
  app.add_option("--sysroot", o.sysroot, "The ostree sysroot")->capture_default_str();
  app.add_option("--state-dir", o.state_dir, "Where the ledger lives")->capture_default_str();
  app.add_option("--store", o.store, "rootpin's image store (podman --root)")
      ->capture_default_str();
  app.add_option("--runroot", o.runroot, "The store's runroot (podman --runroot)")
      ->capture_default_str();
  app.add_option("--podman", o.podman, "The podman to run")->capture_default_str();
  app.add_option("--storage-driver", o.storage_driver, "podman --storage-driver for the store");
  app.add_option("--pin-mode", o.pin_mode,
                 "store: rootpin's own store; system: podman's store, held by placeholders")
      ->capture_default_str()
      ->check(CLI::IsMember({"store", "system"}));
  app.add_flag("--json", o.json, "JSON output (JSON Lines events)");
  app.add_flag("-v,--verbose", o.verbosity, "More output (repeat for debug)");
  app.add_option("--jobs", o.jobs, "Concurrent pulls")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--timeout", o.timeout, "Seconds per pull")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--lock-timeout", o.lock_timeout, "Seconds to wait for another rootpin")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--min-free", o.min_free,
                 "Free space the store's file system must keep to pull (e.g. 2G; 0: no check)")
      ->capture_default_str()
      ->check([](const std::string& text) {
        auto size = util::parse_size(text);
        return size ? std::string() : size.error();
      });
  app.add_option("--metrics-dir", o.metrics_dir,
                 "Write node_exporter textfile metrics (rootpin.prom) into this directory");
  app.add_option("--config", o.config_file, "Read only this configuration file");
  app.add_option("--config-dir", o.config_dir,
                 "Configuration directory (rootpin.conf, rootpin.conf.d/; env ROOTPIN_CONFIG_DIR)");
}

}  // namespace

int run(int argc, char** argv, app::Services services) {
  app::Context ctx(std::move(services));
  CLI::App app{"rootpin: keep the container images of image-based OS roots pinned", "rootpin"};
  app.set_version_flag("--version", ROOTPIN_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options after the subcommand too
  add_global_options(app, ctx.options);

  CommandTable table;
  add_status_command(app, ctx, table);
  add_pin_command(app, ctx, table);
  add_unpin_command(app, ctx, table);
  add_gc_command(app, ctx, table);
  add_bind_command(app, ctx, table);
  add_upgrade_command(app, ctx, table);
  add_boot_command(app, ctx, table);
  add_check_command(app, ctx, table);
  add_forget_command(app, ctx, table);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help, --version
      return app.exit(e);
    }
    std::cerr << "rootpin: " << e.what() << "\n\n" << app.help();
    return static_cast<int>(util::ExitCode::Usage);
  }
  apply_config(app, ctx.options);
  log::configure(log::Backend::Auto, ctx.options.verbosity);

  for (const auto* sub : app.get_subcommands()) {
    if (auto it = table.find(sub); it != table.end()) {
      const auto started = std::chrono::system_clock::now();
      util::ExitCode code = util::ExitCode::Failed;
      try {
        code = it->second();
      } catch (const util::Error& e) {
        if (e.code() != util::ExitCode::Usage) {
          app::write_metrics(ctx, sub->get_name(),
                             e.code() == util::ExitCode::Partial ? metrics::Result::Partial
                                                                 : metrics::Result::Failure,
                             started);
        }
        throw;
      } catch (const std::exception&) {
        app::write_metrics(ctx, sub->get_name(), metrics::Result::Failure, started);
        throw;
      }
      app::write_metrics(ctx, sub->get_name(),
                         code == util::ExitCode::Ok        ? metrics::Result::Success
                         : code == util::ExitCode::Partial ? metrics::Result::Partial
                                                           : metrics::Result::Failure,
                         started);
      return static_cast<int>(code);
    }
  }
  std::cerr << app.help();
  return static_cast<int>(util::ExitCode::Usage);
}

}  // namespace rootpin::cli
