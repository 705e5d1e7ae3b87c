#include "src/cli/app.hpp"

#include <iostream>

#include "src/app/metrics_report.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/config.hpp"
#include "src/cli/config_keys.hpp"
#include "src/log/log.hpp"

namespace rootpin::cli {

namespace {

// Configuration values fill every option the command line did not set, each through its
// key's parser (config_keys.hpp).
void apply_config(CLI::App& app, app::GlobalOptions& o) {
  auto values = read_config(o.config_file, o.config_dir);
  // Pin mode system uses podman's own store unless one is named (tests name theirs).
  const bool store_named = app.get_option("--store")->count() > 0 || values.contains("store");
  const bool runroot_named = app.get_option("--runroot")->count() > 0 || values.contains("runroot");
  for (const auto& [option, v] : values) {
    if (app.get_option("--" + option)->count() > 0) {
      continue;
    }
    const ConfigKey& key = *find_config_key(option);  // read_config keeps only table keys
    if (auto set = key.set(o, v.value); !set) {
      throw util::Error(fmt::format("{}: {}= {}", v.origin, option, set.error()),
                        util::ExitCode::Failed);
    }
  }
  if (o.pin_mode == core::PinMode::System) {
    o.store = store_named ? o.store : "";
    o.runroot = runroot_named ? o.runroot : "";
  }
}

// The options of config_keys(): the same parser for a flag as for the file.
void add_config_options(CLI::App& app, app::GlobalOptions& o) {
  for (const ConfigKey& key : config_keys()) {
    std::string flag = "--" + std::string(key.option);
    app.add_option_function<std::string>(
           flag,
           [&o, &key, flag](const std::string& value) {
             if (auto set = key.set(o, value); !set) {
               throw CLI::ValidationError(flag, set.error());
             }
           },
           help_text(key))
        ->type_name(std::string(key.value))
        ->default_str(key.show(o));
  }
}

void add_global_options(CLI::App& app, app::GlobalOptions& o) {
  add_config_options(app, o);
  app.add_flag("--json", o.json, "JSON output (JSON Lines events)");
  app.add_flag("-v,--verbose", o.verbosity, "More output (repeat for debug)");
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
