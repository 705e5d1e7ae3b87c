// rootpin gc [--dry-run]: remove from the store every image nothing holds.

#include <memory>

#include "src/app/gc.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/render.hpp"

namespace rootpin::cli {

void add_gc_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto dry_run = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("gc", "Remove from the store every image nothing holds");
  sub->add_flag("--dry-run", *dry_run, "Only say what would be removed");
  table[sub] = [&ctx, dry_run] {
    Renderer out(ctx.options.json);
    app::gc(ctx, *dry_run ? app::GcMode::DryRun : app::GcMode::Remove, out);
    return util::ExitCode::Ok;
  };
}

}  // namespace rootpin::cli
