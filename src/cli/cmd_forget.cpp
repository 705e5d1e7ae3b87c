// rootpin forget ROOT-ID: release a root bound with --root.

#include <memory>

#include "src/app/forget.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/render.hpp"

namespace rootpin::cli {

void add_forget_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto root_id = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
      "forget", "Release a root bound with --root (gc then frees what nothing else holds)");
  sub->add_option("root-id", *root_id, "The --root-id it was bound with")->required();
  table[sub] = [&ctx, root_id] {
    Renderer(ctx.options.json).forget(app::forget(ctx, *root_id));
    return util::ExitCode::Ok;
  };
}

}  // namespace rootpin::cli
