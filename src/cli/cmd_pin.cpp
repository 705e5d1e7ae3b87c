// rootpin pin REF... [--reason TEXT] [pull options]: pull what is missing, then pin (all
// or nothing).

#include <memory>

#include "quadlet-scan/unit_file.hpp"
#include "src/app/pin.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/render.hpp"

namespace rootpin::cli {

namespace {

struct PinArgs {
  app::PinRequest request;
  std::string tls_verify;
};

void add_string(CLI::App* sub, const std::string& flag, std::optional<std::string>& into,
                const std::string& help) {
  sub->add_option_function<std::string>(
      flag, [&into](const std::string& v) { into = v; }, help);
}

util::ExitCode pin(app::Context& ctx, PinArgs& args) {
  if (!args.tls_verify.empty()) {
    args.request.pull.tls_verify = quadlet_scan::parse_boolean(args.tls_verify);
    if (!args.request.pull.tls_verify) {
      throw util::Error("--tls-verify takes true or false, not '" + args.tls_verify + "'",
                        util::ExitCode::Usage);
    }
  }
  Renderer out(ctx.options.json);
  out.pin(app::pin(ctx, args.request, out));
  return util::ExitCode::Ok;
}

}  // namespace

void add_pin_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto args = std::make_shared<PinArgs>();
  auto* sub = app.add_subcommand(
      "pin", "Pull images into the store if missing, and pin them (all or nothing)");
  sub->add_option("reference", args->request.references, "Image references")->required();
  sub->add_option("--reason", args->request.reason, "Why it is pinned (shown by status)");
  add_string(sub, "--authfile", args->request.pull.authfile, "Registry auth file");
  add_string(sub, "--cert-dir", args->request.pull.cert_dir, "Directory of registry certificates");
  sub->add_option("--tls-verify", args->tls_verify, "Verify the registry's TLS (true|false)");
  add_string(sub, "--arch", args->request.pull.arch, "Architecture to pull");
  add_string(sub, "--os", args->request.pull.os, "OS to pull");
  add_string(sub, "--variant", args->request.pull.variant, "Architecture variant to pull");
  add_string(sub, "--creds", args->request.pull.creds, "USER[:PASSWORD] for the registry");
  add_string(sub, "--decryption-key", args->request.pull.decryption_key,
             "Key to decrypt the image");
  table[sub] = [&ctx, args] { return pin(ctx, *args); };
}

}  // namespace rootpin::cli
