#pragma once
// rootpin's command line: global options, configuration, subcommands. Errors from the
// commands propagate as util::Error (main prints them); usage errors return 2 here.

#include "src/app/context.hpp"

namespace rootpin::cli {

int run(int argc, char** argv, app::Services services);

}  // namespace rootpin::cli
