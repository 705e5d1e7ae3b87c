#include "src/app/status.hpp"

#include <algorithm>

#include "src/app/holds.hpp"
#include "src/app/roots.hpp"
#include "src/app/store_view.hpp"

namespace rootpin::app {

StatusReport status(Context& ctx) {
  StatusReport report;
  report.ledger = ctx.read_ledger();
  auto listing = list_store(ctx);
  report.store_path = ctx.options.store;
  report.images = listing.size();
  for (const auto& i : listing) {
    report.size += i.size;
  }
  const auto holds = holds_from_ledger(report.ledger);
  report.holds = core::plan_gc(listing, holds);
  auto& store = ctx.image_store();
  const auto containers = store.containers();
  const auto holding = core::plan_holding(store.pin_mode(), holds, listing, containers);
  report.holds.remove = core::removable_images(
      store.pin_mode(), report.holds, report.ledger.pulled_ids(), containers, holding.release);
  report.pin_mode = store.pin_mode();
  report.lost_placeholders = holding.lost_placeholder;
  report.placeholders = static_cast<std::size_t>(std::count_if(
      containers.begin(), containers.end(), [](const auto& c) { return core::is_placeholder(c); }));
  if (auto sysroot = load_sysroot_if_any(ctx.options.sysroot)) {
    report.roots.emplace();
    for (const auto& d : sysroot->deployments()) {
      RootStatus root{d, std::nullopt};
      if (d.role == ostree::Role::Staged) {
        root.finalization_locked = ostree::FinalizationLock::holder();
      }
      report.roots->push_back(std::move(root));
    }
  }
  return report;
}

}  // namespace rootpin::app
