// rootpin status [--json]: the store, what holds each image, and the roots.

#include "src/app/status.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/render.hpp"

namespace rootpin::cli {

void add_status_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto* sub = app.add_subcommand("status", "Show the store, what holds each image, and the roots");
  table[sub] = [&ctx] {
    Renderer(ctx.options.json).status(app::status(ctx));
    return util::ExitCode::Ok;
  };
}

}  // namespace rootpin::cli
