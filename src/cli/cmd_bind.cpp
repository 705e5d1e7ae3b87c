// rootpin bind [--staged | --deployment N | --root DIR --root-id ID] [--dry-run]

#include <memory>

#include "src/app/bind.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/render.hpp"

namespace rootpin::cli {

void add_bind_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto args = std::make_shared<app::BindRequest>();
  auto* sub = app.add_subcommand("bind", "Pull and pin the images one OS root opts in");
  auto* staged = sub->add_flag("--staged", args->staged, "Bind the staged deployment");
  auto* deployment =
      sub->add_option("--deployment", args->deployment, "Bind deployment N (ostree's order)");
  auto* root = sub->add_option("--root", args->root_dir, "Bind a root directory (not ostree)");
  auto* root_id = sub->add_option("--root-id", args->root_id, "The ledger key of --root");
  root->needs(root_id);
  root_id->needs(root);
  staged->excludes(deployment)->excludes(root);
  deployment->excludes(root);
  sub->add_flag("--dry-run", args->dry_run, "Print the plan; change nothing");
  table[sub] = [&ctx, args] {
    Renderer out(ctx.options.json);
    out.bind(app::bind(ctx, *args, out));
    return util::ExitCode::Ok;
  };
}

}  // namespace rootpin::cli
