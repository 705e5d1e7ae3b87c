// rootpin boot [--deployment N]: early at boot, re-point the booted root's bound tags in
// rootpin's store at the images recorded for that root (ONE listing, only the tag calls
// needed), so that after a rollback a floating tag names what that root was bound with.

#include <fmt/format.h>

#include <memory>
#include <optional>

#include "src/cli/commands.hpp"
#include "src/cli/output.hpp"
#include "src/core/boot_plan.hpp"
#include "src/log/log.hpp"
#include "src/ostree/sysroot.hpp"

namespace rootpin::cli {
namespace {

util::ExitCode boot(app::Context& ctx, std::optional<int> index) {
  auto sysroot = ostree::Sysroot::load(ctx.options.sysroot);
  ostree::Deployment deployment;
  if (index) {
    deployment = sysroot.deployment(*index);
  } else if (auto booted = sysroot.booted()) {
    deployment = *booted;
  } else {
    throw util::Error(fmt::format("sysroot {} is not booted: say which deployment runs with "
                                  "--deployment N",
                                  ctx.options.sysroot),
                      util::ExitCode::Usage);
  }
  const auto ledger = ctx.read_ledger();
  const ledger::RootRecord* record = ledger.find_root(deployment.root_id);
  if (record == nullptr) {
    log::warning(
        fmt::format("{} was never bound: its tags are left as they are", deployment.root_id),
        log::Fields{deployment.root_id, "", ""});
    return util::ExitCode::Ok;
  }
  auto& store = ctx.image_store();
  const auto plan = core::plan_boot(*record, store.list());
  for (const auto& retag : plan.retags) {
    store.tag(retag.image_id, retag.name);
    if (ctx.options.json) {
      print_json({{"event", "retagged"},
                  {"root", deployment.root_id},
                  {"name", retag.name},
                  {"image_id", retag.image_id}});
    } else {
      print_line(fmt::format("{} -> {}", retag.name, short_id(retag.image_id)));
    }
  }
  for (const auto& missing : plan.missing) {
    log::error(missing, log::Fields{deployment.root_id, "", ""});
  }
  if (!ctx.options.json) {
    print_line(fmt::format("{}: {} tags re-pointed, {} already right, {} missing",
                           deployment.root_id, plan.retags.size(), plan.already_right,
                           plan.missing.size()));
  }
  return plan.missing.empty() ? util::ExitCode::Ok : util::ExitCode::Partial;
}

}  // namespace

void add_boot_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto index = std::make_shared<std::optional<int>>();
  auto* sub = app.add_subcommand(
      "boot", "Point the booted root's bound tags at the images it was bound with");
  sub->add_option("--deployment", *index,
                  "The deployment that runs (for a sysroot that is not booted)");
  table[sub] = [&ctx, index] { return boot(ctx, *index); };
}

}  // namespace rootpin::cli
