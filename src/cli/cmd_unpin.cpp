// rootpin unpin REF|DIGEST...: forget admin pins (all or nothing).

#include <memory>
#include <string>
#include <vector>

#include "src/app/pin.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/render.hpp"

namespace rootpin::cli {

void add_unpin_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto what = std::make_shared<std::vector<std::string>>();
  auto* sub = app.add_subcommand("unpin", "Forget admin pins (gc then frees the images)");
  sub->add_option("reference", *what, "Image references or digests of the pins")->required();
  table[sub] = [&ctx, what] {
    Renderer(ctx.options.json).unpin(app::unpin(ctx, *what));
    return util::ExitCode::Ok;
  };
}

}  // namespace rootpin::cli
