// rootpin unpin REF|DIGEST: forget an admin pin. The image stays in the store until a gc
// finds nothing else holds it.

#include <memory>

#include "src/cli/commands.hpp"
#include "src/cli/output.hpp"
#include "src/core/reference.hpp"
#include "src/log/log.hpp"

namespace rootpin::cli {

namespace {

util::ExitCode unpin(app::Context& ctx, const std::string& what) {
  auto writer = ctx.open_ledger_for_writing();
  std::vector<ledger::AdminPin> removed;
  auto take = [&](std::string_view key) {
    while (const auto* pin = writer.ledger.find_pin(key)) {
      removed.push_back(*pin);
      if (writer.ledger.remove_pin(removed.back().reference) == 0) {
        break;
      }
    }
  };
  take(what);
  if (removed.empty() && !core::looks_like_digest(what)) {
    if (auto ref = core::canonicalize(what)) {
      take(ref->name());
    }
  }
  if (removed.empty()) {
    throw util::Error::format("no admin pin matches '{}' (see rootpin status)", what);
  }
  writer.save();
  for (const auto& pin : removed) {
    log::emit(log::Event::ImageUnpinned, log::Priority::Notice,
              fmt::format("unpinned {} ({})", pin.reference, pin.digest),
              {.root = "", .image = pin.reference, .digest = pin.digest});
    if (ctx.options.json) {
      print_json({{"event", "unpinned"},
                  {"reference", pin.reference},
                  {"digest", pin.digest},
                  {"image_id", pin.image_id}});
    } else {
      print_line(fmt::format("unpinned {} {}", pin.reference, pin.digest));
    }
  }
  return util::ExitCode::Ok;
}

}  // namespace

void add_unpin_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto what = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("unpin", "Forget an admin pin (gc then frees the image)");
  sub->add_option("reference", *what, "Image reference or digest of the pin")->required();
  table[sub] = [&ctx, what] { return unpin(ctx, *what); };
}

}  // namespace rootpin::cli
