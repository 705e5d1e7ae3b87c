#pragma once
// rootpin's command line: global options, configuration, subcommands. Errors from the
// commands propagate as util::Error (main prints them); usage errors return 2 here.

#include "src/cli/context.hpp"

namespace rootpin::cli {

int run(int argc, char** argv, Services services);

}  // namespace rootpin::cli
