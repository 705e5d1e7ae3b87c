#include "src/app/forget.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "src/log/log.hpp"

namespace rootpin::app {

ForgetReport forget(Context& ctx, const std::string& root_id) {
  auto writer = ctx.open_ledger_for_writing();
  const ledger::RootRecord* record = writer.ledger.find_root(root_id);
  if (record == nullptr) {
    throw util::Error::format("no root {} in the ledger (see rootpin status)", root_id);
  }
  if (record->held_dir.empty()) {
    throw util::Error::format(
        "{} is an ostree deployment's root: ostree retires it (`ostree admin undeploy`), then "
        "`rootpin gc` releases its images; forget is for roots bound with --root",
        root_id);
  }
  ForgetReport report{*record};
  writer.ledger.remove_root(root_id);
  writer.save();
  log::emit(log::Event::ImageUnpinned, log::Priority::Notice,
            fmt::format("forgot {} (bound from {}): its images are no longer held by it", root_id,
                        report.forgotten.held_dir),
            log::Fields{root_id, "", ""});
  return report;
}

}  // namespace rootpin::app
