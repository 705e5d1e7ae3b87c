#pragma once
// The holds the ledger records (admin pins and root records), for status and gc.

#include <vector>

#include "src/core/gc_plan.hpp"
#include "src/ledger/ledger.hpp"

namespace rootpin::app {

// Every admin pin ("admin pin") and every image of every root record
// ("<unit> in <root id>").
std::vector<core::Hold> holds_from_ledger(const ledger::Ledger& ledger);

}  // namespace rootpin::app
