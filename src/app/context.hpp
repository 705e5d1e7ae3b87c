#pragma once
// What every command gets: the options (defaults < configuration < flags) and the services,
// built lazily so that `rootpin status` on a host without podman still works and unit tests
// can hand in fakes.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "src/app/metered_store.hpp"
#include "src/app/options.hpp"
#include "src/app/puller.hpp"
#include "src/core/image_store.hpp"
#include "src/ledger/state_dir.hpp"

namespace rootpin::app {

// How main builds the real services (and tests the fake ones).
struct Services {
  std::function<std::unique_ptr<core::ImageStore>(const GlobalOptions&)> make_image_store;
};

// A writer's view of the ledger: the state dir, its lock (held for the whole command),
// and the ledger as loaded.
struct LedgerWriter {
  ledger::StateDir dir;
  util::DirLock lock;
  ledger::Ledger ledger;
  bool recovered = false;
  std::size_t saves = 0;  // how often this writer saved (StoreUndo: recorded or not)

  // Saves; a ledger saved but maybe not durable is a warning, not a failure (the work it
  // records is done and must not be undone). Refuses (throws) once rootpin got a SIGINT or
  // SIGTERM (base/interrupt.hpp).
  void save();
};

class Context {
public:
  explicit Context(Services services) : services_(std::move(services)) {}

  GlobalOptions options;

  core::ImageStore& image_store();
  // Creates the state dir when missing, refuses a read-only one before anything changes,
  // takes the writer lock and loads the ledger (warnings go to the log loudly).
  LedgerWriter open_ledger_for_writing();
  // Readers take no lock; a missing state dir is the empty ledger.
  ledger::Ledger read_ledger();
  app::PullerOptions puller_options() const;
  // The store as the command used it (for the metrics); nullptr when it used none.
  const MeteredImageStore* used_store() const { return image_store_.get(); }
  // Refuses (util::Error naming what to do) a ledger that holds pins made in the other pin
  // mode; an empty ledger takes this run's mode.
  void require_pin_mode(ledger::Ledger& ledger) const;

private:
  Services services_;
  std::unique_ptr<MeteredImageStore> image_store_;
};

}  // namespace rootpin::app
