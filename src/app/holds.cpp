#include "src/app/holds.hpp"

namespace rootpin::app {

std::vector<core::Hold> holds_from_ledger(const ledger::Ledger& ledger) {
  std::vector<core::Hold> holds;
  for (const auto& pin : ledger.pins) {
    holds.push_back({"admin pin", pin.reference, pin.digest, pin.image_id, "", ""});
  }
  for (const auto& [root_id, record] : ledger.roots) {
    for (const auto& image : record.images) {
      holds.push_back({image.unit + " in " + root_id, image.reference, image.digest, image.image_id,
                       root_id, image.unit});
    }
  }
  return holds;
}

}  // namespace rootpin::app
