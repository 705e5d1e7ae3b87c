#include "src/metrics/metrics.hpp"

#include "base/error.hpp"
#include "tests/unit/file_helpers.hpp"
#include "tests/unit/temp_dir.hpp"

#include <sys/stat.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace rootpin::metrics;
using namespace test_support;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

Snapshot snapshot_of(const History& h) {
  Snapshot s;
  s.history = h;
  return s;
}

}  // namespace

TEST_CASE("metrics: an empty history still renders the counters, at zero") {
  std::string text = render(Snapshot{});
  CHECK(has_line(text, "# TYPE rootpin_pulls_total counter"));
  CHECK(has_line(text, "rootpin_pulls_total{result=\"failure\"} 0"));
  CHECK(has_line(text, "rootpin_pulls_total{result=\"success\"} 0"));
  CHECK(has_line(text, "rootpin_pulled_bytes_total 0"));
  CHECK(text.find("rootpin_store_images") == std::string::npos);  // unknown: left out
  CHECK(text.find("rootpin_roots") == std::string::npos);
  CHECK(text.back() == '\n');
}

TEST_CASE("metrics: a run records its result, the last success and how long it took") {
  History h;
  record_run(h, "bind", Result::Success, 1700000000.0, 2.5);
  record_run(h, "bind", Result::Failure, 1700000100.0, 0.25);
  record_run(h, "gc", Result::Partial, 1700000200.0, 1);
  CHECK(h.last_success == std::map<std::string, double>{{"bind", 1700000000.0}});
  std::string text = render(snapshot_of(h));
  CHECK(has_line(text, "# TYPE rootpin_last_run_timestamp_seconds gauge"));
  CHECK(has_line(
      text, "rootpin_last_run_timestamp_seconds{command=\"bind\",result=\"failure\"} 1700000100"));
  CHECK(has_line(
      text, "rootpin_last_run_timestamp_seconds{command=\"bind\",result=\"success\"} 1700000000"));
  CHECK(has_line(
      text, "rootpin_last_run_timestamp_seconds{command=\"gc\",result=\"partial\"} 1700000200"));
  CHECK(has_line(text, "rootpin_last_success_timestamp_seconds{command=\"bind\"} 1700000000"));
  CHECK(text.find("rootpin_last_success_timestamp_seconds{command=\"gc\"}") == std::string::npos);
  CHECK(has_line(text, "rootpin_last_run_duration_seconds{command=\"bind\"} 0.250"));
}

TEST_CASE("metrics: roots by role keep every role present, held images by holder kind") {
  Snapshot s;
  s.roots = RootFacts{.live = {{"booted", 1}, {"staged", 1}, {"external", 2}},
                      .unbound = {{"staged", 1}}};
  s.held = std::map<std::string, std::uint64_t>{{"root", 3}};
  s.staged_finalization_locked = true;
  s.history.store = StoreFacts{4, 123456789};
  std::string text = render(s);
  CHECK(has_line(text, "rootpin_roots{role=\"booted\"} 1"));
  CHECK(has_line(text, "rootpin_roots{role=\"external\"} 2"));
  CHECK(has_line(text, "rootpin_roots{role=\"rollback\"} 0"));
  CHECK(has_line(text, "rootpin_roots_unbound{role=\"staged\"} 1"));
  CHECK(has_line(text, "rootpin_roots_unbound{role=\"booted\"} 0"));
  CHECK(has_line(text, "rootpin_held_images{holder=\"pin\"} 0"));
  CHECK(has_line(text, "rootpin_held_images{holder=\"root\"} 3"));
  CHECK(has_line(text, "rootpin_staged_finalization_locked 1"));
  CHECK(has_line(text, "rootpin_store_images 4"));
  CHECK(has_line(text, "rootpin_store_size_bytes 123456789"));
}

TEST_CASE("metrics: label values are escaped as the exposition format says") {
  History h;
  record_run(h, "a\"b\\c\nd", Result::Success, 1, 0);
  std::string text = render(snapshot_of(h));
  CHECK(text.find(R"(command="a\"b\\c\nd")") != std::string::npos);
}

TEST_CASE("metrics: the history survives a round trip, another version is refused") {
  History h;
  record_run(h, "pin", Result::Success, 1700000000.5, 0.125);
  h.pulls = {{"success", 7}, {"failure", 1}};
  h.pulled_bytes = 1ull << 40;
  h.store = StoreFacts{2, 99};
  auto back = parse_history(serialize_history(h));
  REQUIRE(back.has_value());
  CHECK(*back == h);
  CHECK_FALSE(parse_history(R"({"version": 2})").has_value());
  CHECK_FALSE(parse_history("[").has_value());
  CHECK(parse_history(R"({"version": 1})").value() == History{});
}

TEST_CASE("metrics: the textfile is replaced whole and nothing else is left in the directory") {
  TempDir tmp;
  std::string dir = tmp / "textfile";
  std::filesystem::create_directory(dir);
  write_textfile(dir, "a 1\n");
  write_textfile(dir, "b 2\n");
  CHECK(entries(dir) == std::vector<std::string>{"rootpin.prom"});
  CHECK(read_text(dir + "/rootpin.prom") == "b 2\n");
  struct stat st {};
  REQUIRE(::stat((dir + "/rootpin.prom").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
}

TEST_CASE("metrics: a missing directory is an error that names it, and leaves nothing") {
  TempDir tmp;
  std::string dir = tmp / "missing";
  CHECK_THROWS_AS(write_textfile(dir, "a 1\n"), rootpin::util::Error);
  CHECK_FALSE(std::filesystem::exists(dir));
}
