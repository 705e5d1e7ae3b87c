#pragma once
// The journal backend: native protocol through sd_journal_sendv, with structured fields
// (MESSAGE_ID per event kind, ROOTPIN_ROOT/IMAGE/DIGEST) that journalctl can filter on.

#include "src/log/log.hpp"

#include <string_view>

namespace rootpin::log {

// Whether journald's native socket exists. sd_journal_sendv() drops entries silently when
// it does not (ENOENT is "no journal here" to libsystemd), so we check before choosing it.
bool journal_available();

// Sends one entry. Returns false when the journal did not take it (no socket, e.g. in a
// container without journald) so the caller can fall back to stderr rather than lose it.
bool send_to_journal(Event event, Priority priority, std::string_view message,
                     const Fields& fields);

}  // namespace rootpin::log
