#include "src/app/status.hpp"

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
  report.holds = core::plan_gc(listing, holds_from_ledger(report.ledger));
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
