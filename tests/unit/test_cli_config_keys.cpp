#include <doctest/doctest.h>

#include <cctype>
#include <set>
#include <string>

#include "src/cli/config_keys.hpp"

using rootpin::app::GlobalOptions;
using rootpin::cli::config_keys;
using rootpin::cli::find_config_key;

namespace {

// "StateDir" -> "state-dir": the two spellings of one key.
std::string dashed(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isupper(static_cast<unsigned char>(c)) != 0 && !out.empty()) out += '-';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

TEST_CASE("each key of the table: one name, its option spelled the same, help, a parser") {
  std::set<std::string_view> names;
  std::set<std::string_view> options;
  for (const auto& key : config_keys()) {
    CAPTURE(key.name);
    CHECK(names.insert(key.name).second);
    CHECK(options.insert(key.option).second);
    CHECK(dashed(key.name) == key.option);
    CHECK(!key.help.empty());
    CHECK(find_config_key(key.option) == &key);
    CHECK(rootpin::cli::help_text(key).find(std::string(key.name) + "=") != std::string::npos);
  }
  CHECK(config_keys().size() >= 12);
  CHECK(find_config_key("StateDir") == nullptr);    // options only
  CHECK(find_config_key("config-dir") == nullptr);  // not a key of the file
}

TEST_CASE("a key's parser sets GlobalOptions or says what the value must be") {
  GlobalOptions o;
  const auto& jobs = *find_config_key("jobs");
  CHECK(jobs.show(o) == "3");
  CHECK(jobs.set(o, "7"));
  CHECK(o.jobs == 7);
  for (const char* bad : {"0", "-1", "2x", ""}) {
    CAPTURE(bad);
    auto r = jobs.set(o, bad);
    REQUIRE(!r);
    CHECK(r.error().find("positive number") != std::string::npos);
  }
  CHECK(o.jobs == 7);

  const auto& mode = *find_config_key("pin-mode");
  CHECK(mode.set(o, "system"));
  CHECK(o.pin_mode == rootpin::core::PinMode::System);
  CHECK(mode.show(o) == "system");
  auto bad = mode.set(o, "both");
  REQUIRE(!bad);
  CHECK(bad.error() == "is store or system, not 'both'");
  CHECK(o.pin_mode == rootpin::core::PinMode::System);

  const auto& min_free = *find_config_key("min-free");
  CHECK(min_free.show(o) == "1G");
  CHECK(min_free.set(o, "2G"));
  CHECK(o.min_free == std::uint64_t{2} << 30);
  CHECK(min_free.show(o) == "2G");
  CHECK(!min_free.set(o, "lots"));

  const auto& state = *find_config_key("state-dir");
  CHECK(state.show(o) == "/var/lib/rootpin");
  CHECK(state.set(o, "/srv/state"));
  CHECK(o.state_dir == "/srv/state");
}
