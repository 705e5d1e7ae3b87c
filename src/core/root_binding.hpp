#pragma once
// What binding one root means, as pure steps: its scan becomes pull wants, and the pull
// outcomes become the root's ledger record (the digest and image ID pulled for *this*
// root). The I/O around them (scan, pull, save) is the bind and upgrade commands'.

#include <expected>
#include <string>
#include <vector>

#include "quadlet-scan/scanner.hpp"
#include "src/core/pull_outcome.hpp"
#include "src/core/pull_plan.hpp"
#include "src/ledger/ledger.hpp"

namespace rootpin::core {

struct RootWants {
  std::vector<PullWant> wants;        // one per pullable unit
  std::vector<std::string> problems;  // units that could not be resolved, each named
};

// Every pullable unit of the scan; unresolved units become problems naming the unit, its
// file and line. .build and unsupported units are neither (they are reported by the scan).
RootWants wants_of_root(const quadlet_scan::ScanResult& scan, const std::string& root_id);

// A unit with Policy=always or Policy=newer asks for the registry's current image of its
// tag: such entries move from present to to_pull (references by digest never do). Every
// other present image costs no registry request.
void refresh_floating(PullPlan& plan);

// The root's record from the pull outcomes. Any failed or missing outcome makes it an
// error listing each image, unit, root and reason (the root must then not be recorded).
std::expected<ledger::RootRecord, std::string> record_of_root(
    const std::string& root_id, const RootWants& wants,
    const std::vector<core::PullOutcome>& outcomes, const std::string& now);

}  // namespace rootpin::core
