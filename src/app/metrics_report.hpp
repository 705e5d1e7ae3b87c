#pragma once
// After every command that reads or changes state, with --metrics-dir (MetricsDir=):
// record the run in the history (state dir), gather what is known now (roots from ostree,
// holds from the ledger, the store from this run's last listing or an earlier one) and
// replace DIR/rootpin.prom. A metrics failure is a warning, never the command's failure.

#include <chrono>
#include <string>

#include "src/app/context.hpp"
#include "src/metrics/metrics.hpp"

namespace rootpin::app {

void write_metrics(Context& ctx, const std::string& command, metrics::Result result,
                   std::chrono::system_clock::time_point started);

}  // namespace rootpin::app
