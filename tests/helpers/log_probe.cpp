// Test helper: logs through rootpin::log exactly what its arguments say, so the journal
// integration test can check the wire format of every event kind, independently of which
// commands exist yet.
//
//   log_probe [--threads N] [--status TEXT] [--verbosity N]
//             EVENT PRIORITY ROOT IMAGE DIGEST MESSAGE ...
//
// EVENT is an event_name() ("image-pinned", "message"), PRIORITY a number 3..7, and a
// MESSAGE of "@FILE" is read from FILE (entries bigger than argv allows). With
// --threads N every entry is emitted once from each of N threads at the same time.
#include "src/log/log.hpp"
#include "src/log/message_id.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using rootpin::log::Event;
using rootpin::log::Priority;

struct Entry {
  Event event;
  Priority priority;
  std::string message;
  rootpin::log::Fields fields;
};

std::optional<Event> event_from_name(std::string_view name) {
  for (Event e : {Event::Message, Event::RootBound, Event::ImagePinned, Event::ImageUnpinned,
                  Event::UpgradeStaged, Event::UpgradeFailed, Event::GcFreed}) {
    if (rootpin::log::event_name(e) == name) {
      return e;
    }
  }
  return std::nullopt;
}

std::string message_arg(const std::string& arg) {
  if (!arg.starts_with("@")) {
    return arg;
  }
  std::ifstream in(arg.substr(1), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int usage(const char* why) {
  std::fprintf(stderr, "log_probe: %s\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int threads = 1;
  int verbosity = 2;
  std::optional<std::string> status;
  size_t i = 0;
  for (; i + 1 < args.size() && args[i].starts_with("--"); i += 2) {
    if (args[i] == "--threads") {
      threads = std::atoi(args[i + 1].c_str());
    } else if (args[i] == "--verbosity") {
      verbosity = std::atoi(args[i + 1].c_str());
    } else if (args[i] == "--status") {
      status = args[i + 1];
    } else {
      return usage("unknown option");
    }
  }
  if ((args.size() - i) % 6 != 0 || threads < 1) {
    return usage("expected groups of EVENT PRIORITY ROOT IMAGE DIGEST MESSAGE");
  }
  std::vector<Entry> entries;
  for (; i < args.size(); i += 6) {
    auto event = event_from_name(args[i]);
    int prio = std::atoi(args[i + 1].c_str());
    if (!event || prio < 3 || prio > 7) {
      return usage("bad EVENT or PRIORITY");
    }
    entries.push_back(Entry{*event, static_cast<Priority>(prio), message_arg(args[i + 5]),
                            rootpin::log::Fields{args[i + 2], args[i + 3], args[i + 4]}});
  }

  rootpin::log::configure(rootpin::log::Backend::Auto, verbosity);
  if (status) {
    rootpin::log::status(*status);
  }
  auto emit_all = [&entries] {
    for (const Entry& e : entries) {
      rootpin::log::emit(e.event, e.priority, e.message, e.fields);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back(emit_all);
  }
  for (auto& t : pool) {
    t.join();
  }
  return 0;
}
