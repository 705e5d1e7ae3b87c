#include "src/app/metrics_report.hpp"

#include <fmt/format.h>

#include <set>

#include "base/error.hpp"
#include "src/app/roots.hpp"
#include "src/log/log.hpp"
#include "src/metrics/history_file.hpp"
#include "src/ostree/finalization_lock.hpp"

namespace rootpin::app {
namespace {

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// The pulls of this run, and the store as its last listing saw it.
void count_store(const MeteredImageStore* store, metrics::History& h) {
  if (store == nullptr) return;
  const auto tally = store->tally();
  if (tally.succeeded) h.pulls["success"] += tally.succeeded;
  if (tally.failed) h.pulls["failure"] += tally.failed;
  const auto listing = store->last_listing();
  if (!listing) return;
  std::set<std::string> pulled;
  for (const auto& id : tally.pulled_ids) pulled.insert(id);
  metrics::StoreFacts facts;
  for (const auto& image : *listing) {
    ++facts.images;
    facts.bytes += image.size;
    if (pulled.contains(image.id)) h.pulled_bytes += image.size;
  }
  h.store = facts;
}

void add_roots(const GlobalOptions& options, const ledger::Ledger& ledger, metrics::Snapshot& s) {
  auto sysroot = load_sysroot_if_any(options.sysroot);
  if (!sysroot) return;
  metrics::RootFacts roots;
  bool locked = false;
  for (const auto& d : sysroot->deployments()) {
    const std::string role(ostree::role_name(d.role));
    ++roots.live[role];
    if (ledger.find_root(d.root_id) == nullptr) ++roots.unbound[role];
    if (d.role == ostree::Role::Staged && ostree::FinalizationLock::holder()) locked = true;
  }
  s.roots = std::move(roots);
  s.staged_finalization_locked = locked;
}

std::map<std::string, std::uint64_t> held_by_kind(const ledger::Ledger& ledger) {
  std::set<std::string> roots;
  std::set<std::string> pins;
  for (const auto& [id, record] : ledger.roots) {
    for (const auto& i : record.images) roots.insert(i.digest.empty() ? i.image_id : i.digest);
  }
  for (const auto& p : ledger.pins) pins.insert(p.digest.empty() ? p.image_id : p.digest);
  return {{"root", roots.size()}, {"pin", pins.size()}};
}

}  // namespace

void write_metrics(Context& ctx, const std::string& command, metrics::Result result,
                   std::chrono::system_clock::time_point started) {
  const auto& options = ctx.options;
  if (options.metrics_dir.empty()) return;
  try {
    const auto ended = std::chrono::system_clock::now();
    metrics::Snapshot snapshot;
    snapshot.history = metrics::update_history(options.state_dir, [&](metrics::History& h) {
      metrics::record_run(h, command, result, unix_seconds(ended),
                          std::chrono::duration<double>(ended - started).count());
      count_store(ctx.used_store(), h);
    });
    const auto ledger = ctx.read_ledger();
    snapshot.held = held_by_kind(ledger);
    try {
      add_roots(options, ledger, snapshot);
    } catch (const util::Error& e) {
      log::debug(fmt::format("metrics: no roots: {}", e.what()));
    }
    metrics::write_textfile(options.metrics_dir, metrics::render(snapshot));
  } catch (const std::exception& e) {
    log::warning(fmt::format("metrics not written to {}: {}", options.metrics_dir, e.what()));
  }
}

}  // namespace rootpin::app
