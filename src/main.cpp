// Builds the real services and runs the command line; the one place errors are printed.
#include <memory>

#include "base/error.hpp"
#include "src/cli/app.hpp"
#include "src/log/log.hpp"
#include "src/podman/listing_cache.hpp"
#include "src/podman/podman_image_store.hpp"
#include "src/podman/system_image_store.hpp"

int main(int argc, char** argv) {
  using namespace rootpin;
  app::Services services;
  // The pin mode picks the store's implementation; the commands are the same for both.
  services.make_image_store = [](const app::GlobalOptions& o) -> std::unique_ptr<core::ImageStore> {
    podman::PodmanConfig config{.podman = o.podman,
                                .root = o.store,
                                .runroot = o.runroot,
                                .storage_driver = o.storage_driver,
                                .env = {}};
    if (o.pin_mode == "system") {
      auto system = std::make_unique<podman::SystemImageStore>(std::move(config));
      // The listing cache's generation is read from the graph root's files: only a store
      // named with --store/Store= has a path known without asking podman (podman's own
      // graph root is podman's to say, and a guessed path could vouch for the wrong store).
      // boot still lists the containers (its placeholders) once.
      if (o.store.empty()) return system;
      return std::make_unique<podman::CachingImageStore>(std::move(system), o.state_dir);
    }
    // Every listing is remembered with the store's generation (listing_cache.hpp), so
    // that `rootpin boot` can run no podman while nothing has touched the store.
    return std::make_unique<podman::CachingImageStore>(
        std::make_unique<podman::PodmanImageStore>(std::move(config)), o.state_dir);
  };
  try {
    return cli::run(argc, argv, std::move(services));
  } catch (const util::Error& e) {
    // Through log: "rootpin: error: ..." on a terminal, PRIORITY=3 in the journal.
    log::error(e.what());
    return static_cast<int>(e.code());
  } catch (...) {
    // Any other exception (bad_alloc, a JSON error, a system_error): exit 1, said once.
    log::error(util::current_error().what());
    return static_cast<int>(util::ExitCode::Failed);
  }
}
