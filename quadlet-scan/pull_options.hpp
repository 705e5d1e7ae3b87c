#pragma once
// The pull keys of .image and .container units, read into PullOptions.

#include <optional>
#include <string>

#include "quadlet-scan/error.hpp"
#include "quadlet-scan/scanner.hpp"
#include "quadlet-scan/specifiers.hpp"
#include "quadlet-scan/unit_file.hpp"

namespace quadlet_scan {

enum class PullKeys {
  Image,      // AuthFile TLSVerify Arch OS Variant CertDir Creds DecryptionKey AllTags
              // Retry RetryDelay Policy, from [Image]
  Container,  // Retry RetryDelay, from [Container]
};

// Sets the options the unit sets, leaving the others as they are. The first bad value
// is returned as an error at its file and line.
std::optional<Error> read_pull_options(const UnitFile& file, const UnitName& unit, PullKeys keys,
                                       PullOptions& out);

}  // namespace quadlet_scan
