#pragma once
// gc for roots, pure: which ledger records belong to roots ostree has retired, which live
// roots have no record (they are rescanned, never trusted to hold nothing), and the holds
// (see gc_plan.hpp) that rescanned roots put on images (records and pins: cli/holds.hpp).

#include <set>
#include <string>
#include <vector>

#include "src/core/gc_plan.hpp"
#include "src/core/image_store.hpp"
#include "src/ledger/ledger.hpp"

namespace rootpin::core {

struct RootRetirement {
  // recorded, but no longer on disk: drop the record (roots bound with --root, held until
  // `rootpin forget`, never are)
  std::vector<std::string> retired;
  std::vector<std::string> unrecorded;  // on disk without a record: rescan before removing
};

RootRetirement plan_root_retirement(const ledger::Ledger& ledger,
                                    const std::set<std::string>& live_root_ids);

// Holds of a rescanned root without a record: each image of the listing that answers one
// of the references (a reference that is invalid or absent from the store holds nothing).
std::vector<Hold> holds_of_references(const std::string& root_id,
                                      const std::vector<std::string>& references,
                                      const std::vector<core::StoredImage>& listing);

}  // namespace rootpin::core
