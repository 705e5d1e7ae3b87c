#include "src/app/context.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.hpp"
#include "base/interrupt.hpp"
#include "src/log/log.hpp"

namespace rootpin::app {

namespace {

void report_load(const ledger::StateDir::Loaded& loaded) {
  for (const auto& w : loaded.warnings) {
    log::warning(w);
  }
}

// A read-only state dir must fail before a pull or a removal, not at the save after it.
void require_writable(const ledger::StateDir& dir) {
  struct statvfs fs {};
  if (::fstatvfs(dir.fd(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0) {
    throw util::Error::format("state directory {} is on a read-only file system", dir.path());
  }
  if (::faccessat(dir.fd(), ".", W_OK, AT_EACCESS) != 0) {
    throw util::Error::format("state directory {} is not writable: {}", dir.path(),
                              std::strerror(errno));
  }
}

}  // namespace

void Context::require_pin_mode(ledger::Ledger& ledger) const {
  const std::string recorded = ledger.pin_mode.empty() ? "store" : ledger.pin_mode;
  const std::string_view wanted = core::pin_mode_name(options.pin_mode);
  if (recorded == wanted) {
    return;
  }
  if (ledger.holds_anything()) {
    throw util::Error::format(
        "the ledger in {} holds {} root(s) and {} admin pin(s) in pin mode {}, and this run asks "
        "for pin mode {}: rootpin does not move pins between stores. Keep PinMode={} (rootpin.conf "
        "or --pin-mode), or switch by hand as rootpin(8) says under SWITCHING PIN MODES (move the "
        "ledger aside, then bind each live root and pin each image again in the new mode)",
        options.state_dir, ledger.roots.size(), ledger.pins.size(), recorded, wanted, recorded);
  }
  // Nothing held yet: the ledger takes this run's mode (saved with its first record).
  ledger.pin_mode = options.pin_mode == core::PinMode::System ? "system" : "";
  ledger.pulled.clear();
}

core::ImageStore& Context::image_store() {
  if (!image_store_) {
    image_store_ = std::make_unique<MeteredImageStore>(services_.make_image_store(options));
  }
  return *image_store_;
}

void LedgerWriter::save() {
  // After SIGINT/SIGTERM nothing new is recorded: the command fails as any failure does
  // (a staged root keeps its finalization lock, an upgrade is undone).
  util::throw_if_interrupted("saving the ledger");
  ledger.note_pulled_names();
  auto problem = dir.save(ledger, lock);
  ++saves;
  if (problem) {
    log::warning(*problem);
  }
}

LedgerWriter Context::open_ledger_for_writing() {
  auto dir = ledger::StateDir::open(options.state_dir, ledger::StateDir::Create::IfMissing);
  require_writable(dir);
  auto lock = dir.lock_writer(std::chrono::seconds(options.lock_timeout),
                              [](const std::string& message) { log::notice(message); });
  auto loaded = dir.load(&lock);
  report_load(loaded);
  LedgerWriter writer{std::move(dir), std::move(lock), std::move(loaded.ledger), loaded.recovered};
  require_pin_mode(writer.ledger);
  // Before this command drops a hold (unpin, a retired root): its reference stays known as
  // one of the names rootpin gave the image it pulled (gc untags only those).
  writer.ledger.note_pulled_names();
  if (writer.recovered) {
    // Make what was recovered the ledger again at once, so the next reader sees it too.
    writer.save();
  }
  return writer;
}

ledger::Ledger Context::read_ledger() {
  auto dir = ledger::StateDir::open_if_exists(options.state_dir);
  if (!dir) {
    return {};
  }
  auto loaded = dir->load();
  report_load(loaded);
  return std::move(loaded.ledger);
}

app::PullerOptions Context::puller_options() const {
  app::PullerOptions o;
  o.jobs = options.jobs;
  o.timeout = std::chrono::seconds(options.timeout);
  o.min_free = options.min_free;
  return o;
}

}  // namespace rootpin::app
