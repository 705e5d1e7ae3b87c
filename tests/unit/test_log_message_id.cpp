#include "src/log/message_id.hpp"

#include <doctest/doctest.h>
#include <systemd/sd-id128.h>

#include <set>
#include <string>

using rootpin::log::Event;
using rootpin::log::event_name;
using rootpin::log::message_id;

TEST_CASE("every event kind has its own valid 128-bit MESSAGE_ID") {
  const Event kinds[] = {Event::RootBound,     Event::ImagePinned,   Event::ImageUnpinned,
                         Event::UpgradeStaged, Event::UpgradeFailed, Event::GcFreed};
  std::set<std::string> ids;
  std::set<std::string> names;
  for (Event e : kinds) {
    std::string id(message_id(e));
    CAPTURE(id);
    REQUIRE(id.size() == 32);
    sd_id128_t parsed;
    CHECK(sd_id128_from_string(id.c_str(), &parsed) == 0);
    ids.insert(id);
    names.insert(std::string(event_name(e)));
  }
  CHECK(ids.size() == std::size(kinds));
  CHECK(names.size() == std::size(kinds));
  CHECK(message_id(Event::Message).empty());
  CHECK(message_id(Event::ImagePinned) == "389a61f1cf884a55a23fd5dc402390c5");
}
