// rootpin upgrade [--os NAME] [--check]: the OS update and the bind of its new root as one
// transaction.

#include <memory>

#include "src/app/upgrade.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/render.hpp"

namespace rootpin::cli {

void add_upgrade_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto args = std::make_shared<app::UpgradeRequest>();
  auto* sub = app.add_subcommand("upgrade",
                                 "Update the OS and pin the new root's images, as one transaction");
  sub->add_option("--os", args->osname, "The osname to upgrade (default: the booted one)");
  sub->add_flag("--check", args->check, "Only say whether an update exists and what it would pull");
  table[sub] = [&ctx, args] {
    Renderer out(ctx.options.json);
    app::upgrade(ctx, *args, out);
    return util::ExitCode::Ok;
  };
}

}  // namespace rootpin::cli
