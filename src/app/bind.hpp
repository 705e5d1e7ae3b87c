#pragma once
// bind: pull and pin the images one root opts in (default: the booted deployment, or
// deployment 0 on a sysroot that is not booted), recording per unit the reference, digest
// and image ID.

#include <optional>
#include <string>

#include "src/app/bind_root.hpp"
#include "src/app/context.hpp"
#include "src/app/events.hpp"

namespace rootpin::app {

struct BindRequest {
  bool staged = false;
  std::optional<int> deployment;
  std::string root_dir;  // --root: a root that is not an ostree deployment
  std::string root_id;   // its ledger key
  bool dry_run = false;
};

struct BindReport {
  std::string root_id;
  bool dry_run = false;
  std::size_t images = 0;   // bound units' images recorded
  std::size_t pulled = 0;   // pulled now
  std::size_t present = 0;  // already in the store
};

// A staged root stays finalization-locked when its bind fails (util::Error says so).
BindReport bind(Context& ctx, const BindRequest& request, Events& events);

}  // namespace rootpin::app
