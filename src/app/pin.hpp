#pragma once
// pin: pull into the store if missing, then record the digest and image ID as an admin
// pin (pull before record: a failed pull leaves the ledger as it was). unpin: forget an
// admin pin; the image stays in the store until a gc finds nothing else holds it.

#include <string>
#include <vector>

#include "quadlet-scan/scanner.hpp"
#include "src/app/context.hpp"
#include "src/app/events.hpp"
#include "src/ledger/ledger.hpp"

namespace rootpin::app {

struct PinRequest {
  std::string reference;
  std::string reason;
  quadlet_scan::PullOptions pull;
};

struct PinReport {
  ledger::AdminPin pin;
  bool pulled = false;  // pulled now (false: the store had it)
};

PinReport pin(Context& ctx, const PinRequest& request, Events& events);

struct UnpinReport {
  std::vector<ledger::AdminPin> removed;
};

// `what`: a reference (as written or canonical) or a digest. util::Error when no pin
// matches.
UnpinReport unpin(Context& ctx, const std::string& what);

}  // namespace rootpin::app
