// rootpin unpin REF|DIGEST: forget an admin pin.

#include <memory>

#include "src/app/pin.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/render.hpp"

namespace rootpin::cli {

void add_unpin_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto what = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("unpin", "Forget an admin pin (gc then frees the image)");
  sub->add_option("reference", *what, "Image reference or digest of the pin")->required();
  table[sub] = [&ctx, what] {
    Renderer(ctx.options.json).unpin(app::unpin(ctx, *what));
    return util::ExitCode::Ok;
  };
}

}  // namespace rootpin::cli
