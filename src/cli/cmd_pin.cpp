// rootpin pin REF [--reason TEXT] [pull options]: pull into the store if missing, then
// record the digest and image ID as an admin pin. Pull before record: a failed pull leaves
// the ledger as it was.

#include <memory>

#include "base/time.hpp"
#include "quadlet-scan/unit_file.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/output.hpp"
#include "src/cli/progress.hpp"
#include "src/core/pull_plan.hpp"
#include "src/log/log.hpp"

namespace rootpin::cli {

namespace {

struct PinArgs {
  std::string reference;
  std::string reason;
  std::string tls_verify;
  quadlet_scan::PullOptions pull;
};

void add_string(CLI::App* sub, const std::string& flag, std::optional<std::string>& into,
                const std::string& help) {
  sub->add_option_function<std::string>(
      flag, [&into](const std::string& v) { into = v; }, help);
}

util::ExitCode pin(app::Context& ctx, PinArgs& args) {
  if (!args.tls_verify.empty()) {
    args.pull.tls_verify = quadlet_scan::parse_boolean(args.tls_verify);
    if (!args.pull.tls_verify) {
      throw util::Error("--tls-verify takes true or false, not '" + args.tls_verify + "'",
                        util::ExitCode::Usage);
    }
  }
  auto ref = core::canonicalize(args.reference);
  if (!ref) {
    throw util::Error(ref.error());
  }
  // The lock is held from the listing to the save, so a gc cannot remove the image between.
  auto writer = ctx.open_ledger_for_writing();
  auto& store = ctx.image_store();
  auto plan = core::plan_pulls({{args.reference, args.pull, "admin pin"}}, store.list());
  if (!plan) {
    throw util::Error(plan.error());
  }
  Progress progress(Progress::choose(ctx.options.json));
  auto outcomes = app::run_pulls(store, *plan, ctx.puller_options(), std::ref(progress));
  const auto& outcome = outcomes.at(0);
  if (outcome.error) {
    throw util::Error(*outcome.error);
  }
  ledger::AdminPin record{ref->name(), outcome.digest, outcome.image->id, args.reason,
                          util::now_rfc3339()};
  writer.ledger.add_or_update_pin(record);
  writer.save();
  log::emit(log::Event::ImagePinned, log::Priority::Notice,
            fmt::format("pinned {} ({})", record.reference, record.digest),
            {.root = "", .image = record.reference, .digest = record.digest});
  if (ctx.options.json) {
    print_json({{"event", "pinned"},
                {"reference", record.reference},
                {"digest", record.digest},
                {"image_id", record.image_id},
                {"pulled", outcome.pulled}});
  } else {
    print_line(
        fmt::format("pinned {} {} {}", record.reference, record.digest, short_id(record.image_id)));
  }
  return util::ExitCode::Ok;
}

}  // namespace

void add_pin_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto args = std::make_shared<PinArgs>();
  auto* sub = app.add_subcommand("pin", "Pull an image into the store if missing, and pin it");
  sub->add_option("reference", args->reference, "Image reference")->required();
  sub->add_option("--reason", args->reason, "Why it is pinned (shown by status)");
  add_string(sub, "--authfile", args->pull.authfile, "Registry auth file");
  add_string(sub, "--cert-dir", args->pull.cert_dir, "Directory of registry certificates");
  sub->add_option("--tls-verify", args->tls_verify, "Verify the registry's TLS (true|false)");
  add_string(sub, "--arch", args->pull.arch, "Architecture to pull");
  add_string(sub, "--os", args->pull.os, "OS to pull");
  add_string(sub, "--variant", args->pull.variant, "Architecture variant to pull");
  add_string(sub, "--creds", args->pull.creds, "USER[:PASSWORD] for the registry");
  add_string(sub, "--decryption-key", args->pull.decryption_key, "Key to decrypt the image");
  table[sub] = [&ctx, args] { return pin(ctx, *args); };
}

}  // namespace rootpin::cli
