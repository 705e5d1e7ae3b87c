#pragma once
// Helpers shared by the .cpp files of Sysroot; they hand out libostree types, so only
// src/ostree/ includes this.

#include <ostree.h>

#include <string>

#include "src/ostree/deployment.hpp"

namespace rootpin::ostree {

// The commit's "version" metadata; empty when unset or when the commit object is missing.
std::string commit_version(OstreeSysroot* sysroot, const std::string& checksum);

// The sysroot's own object for deployment (borrowed), or an Error if it is gone.
OstreeDeployment* find_deployment(OstreeSysroot* sysroot, const Deployment& deployment,
                                  const std::string& path);

}  // namespace rootpin::ostree
