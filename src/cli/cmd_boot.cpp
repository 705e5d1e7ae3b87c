// rootpin boot [--deployment N]: re-point the booted root's bound tags at its images.

#include <memory>
#include <optional>

#include "src/app/boot.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/render.hpp"

namespace rootpin::cli {

void add_boot_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto index = std::make_shared<std::optional<int>>();
  auto* sub = app.add_subcommand(
      "boot", "Point the booted root's bound tags at the images it was bound with");
  sub->add_option("--deployment", *index,
                  "The deployment that runs (for a sysroot that is not booted)");
  table[sub] = [&ctx, index] {
    Renderer out(ctx.options.json);
    const auto report = app::boot(ctx, *index, out);
    out.boot(report);
    return report.missing == 0 ? util::ExitCode::Ok : util::ExitCode::Partial;
  };
}

}  // namespace rootpin::cli
