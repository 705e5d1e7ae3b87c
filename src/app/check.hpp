#pragma once
// `rootpin check [--booted]` as a use case: which roots to check (every live root - each
// deployment and each root bound with --root until it is forgotten - or the booted one), the
// ledger, ONE listing of the store (and, in pin mode system, ONE of its containers); the report
// says what is missing, moved or has lost its placeholder (core/check_plan.hpp), each problem also
// logged. The cli renders the report.

#include "src/app/context.hpp"
#include "src/core/check_plan.hpp"

namespace rootpin::app {

// --booted on a sysroot that is not booted (or no sysroot) is a usage error (util::Error).
core::CheckReport check_images(Context& ctx, bool booted_only);

}  // namespace rootpin::app
