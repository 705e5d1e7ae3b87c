#pragma once
// forget: release a root bound with `bind --root DIR --root-id ID` (held until then, never
// retired by gc). Its images stay in the store until a gc finds nothing else holds them.

#include <string>

#include "src/app/context.hpp"
#include "src/ledger/ledger.hpp"

namespace rootpin::app {

struct ForgetReport {
  ledger::RootRecord forgotten;
};

// util::Error when no root has that id, or when it is an ostree deployment's (ostree
// retires those: `ostree admin undeploy`, then gc).
ForgetReport forget(Context& ctx, const std::string& root_id);

}  // namespace rootpin::app
