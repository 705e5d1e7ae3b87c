#pragma once
// The fixed journal MESSAGE_ID of each event kind. They were generated once with
// `systemd-id128 new` and never change: admins filter on them
// (`journalctl MESSAGE_ID=…`) and catalogs may key on them.

#include "src/log/log.hpp"

#include <string_view>

namespace rootpin::log {

// 32 lowercase hex digits, or an empty view for Event::Message (no MESSAGE_ID).
std::string_view message_id(Event event);

// A short stable name for the event kind ("image-pinned"), for JSON output and docs.
std::string_view event_name(Event event);

}  // namespace rootpin::log
