#pragma once
// boot: early at boot, re-point the booted root's bound tags in rootpin's store at the
// images recorded for that root (ONE listing, only the tag calls needed), so that after a
// rollback a floating tag names what that root was bound with.

#include <optional>
#include <string>

#include "src/app/context.hpp"
#include "src/app/events.hpp"

namespace rootpin::app {

struct BootReport {
  std::string root_id;
  bool bound = false;  // the root has a record (else nothing was done)
  std::size_t retagged = 0;
  std::size_t already_right = 0;
  std::size_t missing = 0;  // bound images the store no longer has (each logged)
};

// `deployment`: the one that runs, for a sysroot that is not booted.
BootReport boot(Context& ctx, std::optional<int> deployment, Events& events);

}  // namespace rootpin::app
