#pragma once
// A logind "shutdown" inhibitor in "block" mode, held while images are being pulled, so that
// a reboot started meanwhile (an admin's, or rpm-ostree's finalize-deployment that Zincati
// runs) is refused instead of cutting the pull. It is taken through logind's D-Bus API
// (org.freedesktop.login1.Manager.Inhibit, sd-bus from libsystemd) on the system bus
// (sd_bus_open_system: DBUS_SYSTEM_BUS_ADDRESS overrides where that is, as for every
// D-Bus client) and held as the file descriptor logind hands back: closing it releases it.
//
// No logind (no system bus, logind not running, not allowed) is not an error: take()
// returns the reason and the caller goes on without one.

#include "base/fd.hpp"

#include <expected>
#include <string>
#include <string_view>

namespace rootpin::logind {

class ShutdownInhibitor {
public:
  static constexpr const char* kWho = "rootpin";

  // Blocks shutdown and reboot until released; `why` is what `systemd-inhibit --list` and a
  // refused reboot show.
  static std::expected<ShutdownInhibitor, std::string> take(std::string_view why);

  ShutdownInhibitor(ShutdownInhibitor&&) noexcept = default;
  ShutdownInhibitor& operator=(ShutdownInhibitor&&) noexcept = default;

  bool held() const { return static_cast<bool>(fd_); }
  // Closes the descriptor: logind lets shutdown go on. Idempotent.
  void release() noexcept { fd_ = util::Fd(); }

private:
  explicit ShutdownInhibitor(util::Fd fd) : fd_(std::move(fd)) {}
  util::Fd fd_;
};

}  // namespace rootpin::logind
