#pragma once
// pin: pull into the store what is missing, then record each digest and image ID as an
// admin pin. ONE listing, concurrent pulls (--jobs), ONE ledger write; all or nothing:
// when one reference fails, the images this run pulled are removed again and no pin is
// recorded (pull before record). unpin: forget admin pins with one ledger write, all or
// nothing; the images stay in the store until a gc finds nothing else holds them.

#include <string>
#include <vector>

#include "quadlet-scan/scanner.hpp"
#include "src/app/context.hpp"
#include "src/app/events.hpp"
#include "src/ledger/ledger.hpp"

namespace rootpin::app {

struct PinRequest {
  std::vector<std::string> references;
  std::string reason;
  quadlet_scan::PullOptions pull;
};

struct PinnedImage {
  ledger::AdminPin pin;
  bool pulled = false;  // pulled now (false: the store had it)
};

struct PinReport {
  std::vector<PinnedImage> pinned;
};

PinReport pin(Context& ctx, const PinRequest& request, Events& events);

struct UnpinReport {
  std::vector<ledger::AdminPin> removed;
};

// Each of `what`: a reference (as written or canonical) or a digest. util::Error naming
// each one that matches no pin (and then no pin is removed).
UnpinReport unpin(Context& ctx, const std::vector<std::string>& what);

}  // namespace rootpin::app
