#include "src/logind/shutdown_inhibitor.hpp"

#include <fcntl.h>
#include <systemd/sd-bus.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace rootpin::logind {
namespace {

struct BusCloser {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using Bus = std::unique_ptr<sd_bus, BusCloser>;
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;

// sd_bus_error owns two strings; free them on every path.
class BusError {
public:
  BusError() = default;
  BusError(const BusError&) = delete;
  BusError& operator=(const BusError&) = delete;
  ~BusError() { sd_bus_error_free(&error_); }
  sd_bus_error* get() { return &error_; }
  std::string describe(int r) const {
    if (sd_bus_error_is_set(&error_)) {
      return fmt::format("{}: {}", error_.name, error_.message ? error_.message : "");
    }
    return std::strerror(-r);
  }

private:
  sd_bus_error error_ = SD_BUS_ERROR_NULL;
};

// A method call that logind cannot answer must not hold the command up for sd-bus's
// default 25 s.
constexpr std::uint64_t kCallTimeoutUsec = 5'000'000;

}  // namespace

std::expected<ShutdownInhibitor, std::string> ShutdownInhibitor::take(std::string_view why) {
  sd_bus* raw = nullptr;
  if (int r = sd_bus_open_system(&raw); r < 0) {
    return std::unexpected(fmt::format("cannot connect to the system bus: {}", std::strerror(-r)));
  }
  Bus bus(raw);
  sd_bus_set_method_call_timeout(bus.get(), kCallTimeoutUsec);

  BusError error;
  sd_bus_message* raw_reply = nullptr;
  std::string why_text(why);
  int r = sd_bus_call_method(bus.get(), "org.freedesktop.login1", "/org/freedesktop/login1",
                             "org.freedesktop.login1.Manager", "Inhibit", error.get(), &raw_reply,
                             "ssss", "shutdown", kWho, why_text.c_str(), "block");
  Message reply(raw_reply);
  if (r < 0) {
    return std::unexpected(
        fmt::format("logind refused a shutdown inhibitor: {}", error.describe(r)));
  }
  int fd = -1;
  if (r = sd_bus_message_read(reply.get(), "h", &fd); r < 0) {
    return std::unexpected(fmt::format("logind's Inhibit reply unreadable: {}", std::strerror(-r)));
  }
  // The reply owns that descriptor: keep our own copy, close-on-exec so that podman and
  // the other children never hold the inhibitor past rootpin's release.
  util::Fd own(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
  if (!own) {
    return std::unexpected(fmt::format("cannot keep logind's inhibitor: {}", std::strerror(errno)));
  }
  return ShutdownInhibitor(std::move(own));
}

}  // namespace rootpin::logind
