#pragma once
// How the store keeps an image for rootpin (core/holding.hpp): being in rootpin's own store
// (store), or a placeholder container in the running podman's store (system). Its own header
// so that GlobalOptions holds the mode parsed, without the store interface.

#include <optional>
#include <string_view>

namespace rootpin::core {

enum class PinMode { Store, System };

// "store" / "system": the words of --pin-mode, PinMode= and the ledger.
std::string_view pin_mode_name(PinMode mode);
std::optional<PinMode> parse_pin_mode(std::string_view text);

}  // namespace rootpin::core
