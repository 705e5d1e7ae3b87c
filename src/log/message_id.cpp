#include "src/log/message_id.hpp"

namespace rootpin::log {

std::string_view message_id(Event event) {
  switch (event) {
    case Event::Message: return {};
    case Event::RootBound: return "c4575413883e4b1da2be139aa09ec1d4";
    case Event::ImagePinned: return "389a61f1cf884a55a23fd5dc402390c5";
    case Event::ImageUnpinned: return "31e8c755d65f46c3a00886f384de9c2f";
    case Event::UpgradeStaged: return "d1d409d69e9645bdb9c78bfc5ac0878d";
    case Event::UpgradeFailed: return "ccf7dfb8bed5416998cd87f249bc8cab";
    case Event::GcFreed: return "918495bbb7d64244ba94ab3b47fd7b1d";
  }
  return {};
}

std::string_view event_name(Event event) {
  switch (event) {
    case Event::Message: return "message";
    case Event::RootBound: return "root-bound";
    case Event::ImagePinned: return "image-pinned";
    case Event::ImageUnpinned: return "image-unpinned";
    case Event::UpgradeStaged: return "upgrade-staged";
    case Event::UpgradeFailed: return "upgrade-failed";
    case Event::GcFreed: return "gc-freed";
  }
  return "message";
}

}  // namespace rootpin::log
