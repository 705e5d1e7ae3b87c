// Builds the real services and runs the command line; the one place errors are printed.
#include <memory>
#include <optional>

#include "base/error.hpp"
#include "base/interrupt.hpp"
#include "src/cli/app.hpp"
#include "src/log/log.hpp"
#include "src/podman/listing_cache.hpp"
#include "src/podman/podman_image_store.hpp"
#include "src/podman/system_image_store.hpp"

namespace {

using namespace rootpin;

// How long podman gets to stop on the signal rootpin passes on before its group is killed.
// podman 4.3/5.4 stop a pull within a second; rootpin-*.service's TimeoutStopSec= covers
// this plus undoing a staged root.
constexpr std::chrono::seconds kStopGrace{10};

std::unique_ptr<core::ImageStore> make_image_store(const app::GlobalOptions& o) {
  podman::PodmanConfig config{.podman = o.podman,
                              .root = o.store,
                              .runroot = o.runroot,
                              .storage_driver = o.storage_driver,
                              .env = {}};
  if (o.pin_mode == core::PinMode::System) {
    auto system = std::make_unique<podman::SystemImageStore>(std::move(config));
    // The listing cache's generation is read from the graph root's files: only a store
    // named with --store/Store= has a path known without asking podman (podman's own
    // graph root is podman's to say, and a guessed path could vouch for the wrong store).
    // The containers (the placeholders) are cached the same way.
    if (o.store.empty()) return system;
    return std::make_unique<podman::CachingImageStore>(std::move(system), o.state_dir);
  }
  // Every listing is remembered with the store's generation (listing_cache.hpp), so
  // that `rootpin boot` can run no podman while nothing has touched the store.
  return std::make_unique<podman::CachingImageStore>(
      std::make_unique<podman::PodmanImageStore>(std::move(config)), o.state_dir);
}

// A command that failed after SIGINT, SIGTERM or SIGHUP was stopped by it: its error says
// what was left as any failure leaves it, the exit status says which signal (128 + N, as
// a shell reports a command killed by it). One that finished anyway keeps its status.
int finish(int code, const std::string& error) {
  const int signal = util::interrupted();
  if (signal == 0 || code == static_cast<int>(util::ExitCode::Ok)) {
    if (!error.empty()) log::error(error);
    if (signal != 0) {
      log::notice("got " + util::signal_name(signal) + " when the command was already done");
    }
    return code;
  }
  log::error("interrupted by " + util::signal_name(signal) + (error.empty() ? "" : ": " + error));
  return 128 + signal;
}

}  // namespace

int main(int argc, char** argv) {
  // First: every thread rootpin, libostree or GLib starts inherits the blocked signals.
  std::optional<util::SignalWatch> signals;
  try {
    signals.emplace(kStopGrace);
  } catch (const util::Error& e) {
    log::warning(std::string(e.what()) + ": a SIGINT or SIGTERM will not stop podman");
  }
  app::Services services;
  // The pin mode picks the store's implementation; the commands are the same for both.
  services.make_image_store = make_image_store;
  try {
    return finish(cli::run(argc, argv, std::move(services)), "");
  } catch (const util::Error& e) {
    // Through log: "rootpin: error: ..." on a terminal, PRIORITY=3 in the journal.
    return finish(static_cast<int>(e.code()), e.what());
  } catch (...) {
    // Any other exception (bad_alloc, a JSON error, a system_error): exit 1, said once.
    return finish(static_cast<int>(util::ExitCode::Failed), util::current_error().what());
  }
}
