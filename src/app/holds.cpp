#include "src/app/holds.hpp"

namespace rootpin::app {

std::vector<core::Hold> holds_from_ledger(const ledger::Ledger& ledger) {
  // Every admin pin and every image a root bound is one hold.
  std::size_t count = ledger.pins.size();
  for (const auto& [root_id, record] : ledger.roots) {
    count += record.images.size();
  }
  std::vector<core::Hold> holds;
  holds.reserve(count);
  for (const auto& pin : ledger.pins) {
    holds.push_back({.kind = core::HoldKind::AdminPin,
                     .reference = pin.reference,
                     .digest = pin.digest,
                     .image_id = pin.image_id});
  }
  for (const auto& [root_id, record] : ledger.roots) {
    for (const auto& image : record.images) {
      holds.push_back({.kind = core::HoldKind::Unit,
                       .reference = image.reference,
                       .digest = image.digest,
                       .image_id = image.image_id,
                       .root = root_id,
                       .unit = image.unit});
    }
  }
  return holds;
}

}  // namespace rootpin::app
