#pragma once
// One registration function per command (cmd_<name>.cpp). Each adds its subcommand and
// its options to `app` and records the action that app.cpp runs once the command line is
// parsed and the configuration applied.

#include <CLI/CLI.hpp>

#include <functional>
#include <map>

#include "base/error.hpp"
#include "src/app/context.hpp"

namespace rootpin::cli {

using Action = std::function<util::ExitCode()>;
using CommandTable = std::map<const CLI::App*, Action>;

void add_status_command(CLI::App& app, app::Context& ctx, CommandTable& table);
void add_pin_command(CLI::App& app, app::Context& ctx, CommandTable& table);
void add_unpin_command(CLI::App& app, app::Context& ctx, CommandTable& table);
void add_gc_command(CLI::App& app, app::Context& ctx, CommandTable& table);
void add_bind_command(CLI::App& app, app::Context& ctx, CommandTable& table);
void add_upgrade_command(CLI::App& app, app::Context& ctx, CommandTable& table);
void add_boot_command(CLI::App& app, app::Context& ctx, CommandTable& table);
void add_check_command(CLI::App& app, app::Context& ctx, CommandTable& table);
void add_forget_command(CLI::App& app, app::Context& ctx, CommandTable& table);

}  // namespace rootpin::cli
