#include "src/log/journal_backend.hpp"

#include "src/log/message_id.hpp"

#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace rootpin::log {

bool journal_available() { return ::access("/run/systemd/journal/socket", W_OK) == 0; }

bool send_to_journal(Event event, Priority priority, std::string_view message,
                     const Fields& fields) {
  // sd_journal_sendv takes KEY=value iovecs and picks the binary (length-prefixed) form of
  // the protocol itself when a value holds a newline, so podman's multi-line messages stay
  // one field, and spills to a memfd when the entry is too big for one datagram.
  std::vector<std::string> entries;
  entries.reserve(8);
  entries.push_back("MESSAGE=" + std::string(message));
  entries.push_back("PRIORITY=" + std::to_string(static_cast<int>(priority)));
  entries.emplace_back("SYSLOG_IDENTIFIER=rootpin");
  if (auto id = message_id(event); !id.empty()) {
    entries.push_back("MESSAGE_ID=" + std::string(id));
    entries.push_back("ROOTPIN_EVENT=" + std::string(event_name(event)));
  }
  if (!fields.root.empty()) {
    entries.push_back("ROOTPIN_ROOT=" + fields.root);
  }
  if (!fields.image.empty()) {
    entries.push_back("ROOTPIN_IMAGE=" + fields.image);
  }
  if (!fields.digest.empty()) {
    entries.push_back("ROOTPIN_DIGEST=" + fields.digest);
  }

  std::vector<iovec> iov;
  iov.reserve(entries.size());
  for (auto& e : entries) {
    iov.push_back(iovec{e.data(), e.size()});
  }
  return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0;
}

}  // namespace rootpin::log
