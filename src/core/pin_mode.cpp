#include "src/core/pin_mode.hpp"

namespace rootpin::core {

std::string_view pin_mode_name(PinMode mode) {
  return mode == PinMode::System ? "system" : "store";
}

std::optional<PinMode> parse_pin_mode(std::string_view text) {
  if (text == "store") {
    return PinMode::Store;
  }
  if (text == "system") {
    return PinMode::System;
  }
  return std::nullopt;
}

}  // namespace rootpin::core
