#pragma once
// An Error for a failed system call, worded the same everywhere:
// "cannot <action> <path>: <strerror>", e.g. "cannot write /var/lib/rootpin/ledger.json.tmp:
// No space left on device".

#include "base/error.hpp"

#include <cerrno>
#include <string>
#include <string_view>

namespace rootpin::util {

Error errno_error(std::string_view action, const std::string& path, int err = errno);

}  // namespace rootpin::util
