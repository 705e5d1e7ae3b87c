#include "src/app/check.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "base/error.hpp"
#include "src/app/roots.hpp"
#include "src/app/store_view.hpp"
#include "src/log/log.hpp"

namespace rootpin::app {
namespace {

struct CheckScope {
  std::vector<std::string> roots;
  std::optional<std::string> booted;
};

// The roots bound with `bind --root DIR --root-id ID`: no deployment, but held until
// `rootpin forget ID` (gc keeps their images), so live for check too.
void add_held_roots(CheckScope& scope, const ledger::Ledger& ledger) {
  for (const auto& [root_id, record] : ledger.roots) {
    if (!record.held_dir.empty() &&
        std::find(scope.roots.begin(), scope.roots.end(), root_id) == scope.roots.end()) {
      scope.roots.push_back(root_id);
    }
  }
}

// Live roots: every deployment on disk and every root bound with --root. --booted: the
// booted one only (an error on a sysroot that is not booted). Without a sysroot (a plain
// host): the roots bound with --root and the pins.
CheckScope scope_of(const GlobalOptions& options, const ledger::Ledger& ledger, bool booted_only) {
  CheckScope scope;
  auto sysroot = load_sysroot_if_any(options.sysroot);
  if (!sysroot) {
    if (booted_only) {
      throw util::Error(
          fmt::format("{} is not an ostree sysroot: nothing booted to check", options.sysroot),
          util::ExitCode::Usage);
    }
    add_held_roots(scope, ledger);
    return scope;
  }
  if (auto booted = sysroot->booted()) scope.booted = booted->root_id;
  if (booted_only) {
    if (!scope.booted) {
      throw util::Error(fmt::format("sysroot {} is not booted: check without --booted checks "
                                    "every live root",
                                    options.sysroot),
                        util::ExitCode::Usage);
    }
    scope.roots.push_back(*scope.booted);
    return scope;
  }
  for (const auto& d : sysroot->deployments()) scope.roots.push_back(d.root_id);
  add_held_roots(scope, ledger);
  return scope;
}

// ONE listing of the images and, in pin mode system, ONE of the containers; none when the
// store has no images (no placeholder can be judged, and no podman runs for a store that is
// not there yet).
core::CheckedStore read_store(Context& ctx) {
  auto& store = ctx.image_store();
  core::CheckedStore checked{store.pin_mode(), list_store(ctx), {}};
  if (!checked.listing.empty()) checked.containers = store.containers();
  return checked;
}

}  // namespace

core::CheckReport check_images(Context& ctx, bool booted_only) {
  const auto ledger = ctx.read_ledger();
  const auto scope = scope_of(ctx.options, ledger, booted_only);
  auto report = core::plan_check(ledger, scope.roots, scope.booted, read_store(ctx));
  for (const auto& p : report.problems) {
    log::error(p.message, log::Fields{p.hold.root, p.hold.reference, p.hold.digest});
  }
  return report;
}

}  // namespace rootpin::app
