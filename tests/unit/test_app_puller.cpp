#include <doctest/doctest.h>

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <limits>
#include <thread>

#include "base/error.hpp"
#include "base/interrupt.hpp"
#include "src/app/free_space.hpp"
#include "src/app/puller.hpp"
#include "tests/unit/fake_image_store.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace rootpin::app;
using rootpin::core::plan_pulls;
using rootpin::test::FakeImageStore;
using Kind = PullEvent::Kind;

namespace {

PullerOptions fast(int jobs = 3) {
  PullerOptions o;
  o.jobs = jobs;
  o.default_delay = std::chrono::milliseconds(1);
  return o;
}

StoredImage remote(const std::string& id, const std::string& repo, const std::string& tag) {
  return {id, {repo + ":" + tag}, {repo + "@sha256:" + id}, "sha256:" + id, 100};
}

}  // namespace

TEST_CASE("a no-op plan makes no pull and no listing") {
  FakeImageStore store;
  store.put(remote("a1", "quay.io/x/a", "1"));
  auto plan = plan_pulls({{"quay.io/x/a:1", {}, "admin pin"}}, store.list());
  REQUIRE(plan);
  std::vector<PullEvent> events;
  auto out = run_pulls(store, *plan, fast(), [&](const PullEvent& e) { events.push_back(e); });
  CHECK(store.pull_calls() == 0);
  CHECK(store.list_calls() == 1);  // the planning listing only
  CHECK(events.empty());
  REQUIRE(out.size() == 1);
  CHECK(out[0].image->id == "a1");
  CHECK(out[0].digest == "sha256:a1");
  CHECK_FALSE(out[0].pulled);
}

TEST_CASE("missing images are pulled concurrently, bounded by jobs, then listed once") {
  FakeImageStore store;
  std::vector<rootpin::core::PullWant> wants;
  for (int i = 0; i < 6; ++i) {
    std::string n = std::to_string(i);
    store.add_remote("quay.io/x/i" + n + ":1", remote("id" + n, "quay.io/x/i" + n, "1"));
    wants.push_back({"quay.io/x/i" + n + ":1", {}, "pin"});
  }
  store.set_pull_delay_ms(50);
  auto plan = plan_pulls(wants, store.list());
  REQUIRE(plan);
  int done = 0;
  auto out =
      run_pulls(store, *plan, fast(2), [&](const PullEvent& e) { done += e.kind == Kind::Done; });
  CHECK(store.pull_calls() == 6);
  CHECK(store.max_concurrent_pulls() == 2);
  CHECK(store.list_calls() == 2);
  CHECK(done == 6);
  REQUIRE(out.size() == 6);
  for (const auto& o : out) {
    REQUIRE(o.image);
    CHECK(o.pulled);
    CHECK(o.digest == "sha256:" + o.image->id);
  }
}

TEST_CASE("a pull that only names an image the store had again brings no new image") {
  FakeImageStore store;
  store.put(remote("h1", "quay.io/x/host", "1"));
  // The registry's alias tag is the same image as the host's; b is a new one.
  store.add_remote("quay.io/x/host:alias", remote("h1", "quay.io/x/host", "alias"));
  store.add_remote("quay.io/x/b:1", remote("b1", "quay.io/x/b", "1"));
  auto plan =
      plan_pulls({{"quay.io/x/host:alias", {}, "pin"}, {"quay.io/x/b:1", {}, "pin"}}, store.list());
  REQUIRE(plan);
  CHECK(plan->listed_ids == std::vector<std::string>{"h1"});
  auto out = run_pulls(store, *plan, fast(), {});
  REQUIRE(out.size() == 2);
  for (const auto& o : out) {
    REQUIRE(o.image);
    CHECK(o.pulled);
    CHECK(o.new_image == (o.image->id == "b1"));
  }
}

TEST_CASE("transient failures are retried up to the bound, with events") {
  FakeImageStore store;
  store.add_remote("quay.io/x/a:1", remote("a1", "quay.io/x/a", "1"));
  store.fail_pulls("quay.io/x/a:1", 2, "connection refused");
  auto plan = plan_pulls({{"quay.io/x/a:1", {}, "pin"}}, {});
  std::vector<Kind> kinds;
  auto out = run_pulls(store, *plan, fast(), [&](const PullEvent& e) { kinds.push_back(e.kind); });
  CHECK(kinds == std::vector<Kind>{Kind::Started, Kind::Retrying, Kind::Retrying, Kind::Done});
  REQUIRE(out[0].image);
  CHECK_FALSE(out[0].error);
}

TEST_CASE("Retry= bounds the tries; the last failure is reported") {
  FakeImageStore store;
  store.add_remote("quay.io/x/a:1", remote("a1", "quay.io/x/a", "1"));
  store.fail_pulls("quay.io/x/a:1", 10, "connection refused");
  quadlet_scan::PullOptions o;
  o.retry = 1;
  o.retry_delay = "1ms";
  auto plan = plan_pulls({{"quay.io/x/a:1", o, "pin"}}, {});
  std::vector<PullEvent> events;
  auto out = run_pulls(store, *plan, fast(), [&](const PullEvent& e) { events.push_back(e); });
  CHECK(store.pull_calls() == 2);
  REQUIRE(out[0].error);
  CHECK(*out[0].error == "pulling quay.io/x/a:1: connection refused");
  CHECK(events.back().kind == Kind::Failed);
  CHECK(events.back().attempt == 2);
}

TEST_CASE("a final error (unknown tag) is not retried") {
  FakeImageStore store;
  auto plan = plan_pulls({{"quay.io/x/nope:1", {}, "pin"}}, {});
  auto out = run_pulls(store, *plan, fast(), nullptr);
  CHECK(store.pull_calls() == 1);
  REQUIRE(out[0].error);
  CHECK(out[0].error->find("manifest unknown") != std::string::npos);
}

TEST_CASE("pull options reach the store") {
  FakeImageStore store;
  store.add_remote("quay.io/x/a:1", remote("a1", "quay.io/x/a", "1"));
  quadlet_scan::PullOptions o;
  o.authfile = "/auth.json";
  auto plan = plan_pulls({{"quay.io/x/a:1", o, "pin"}}, {});
  run_pulls(store, *plan, fast(), nullptr);
  REQUIRE(store.pulls().size() == 1);
  CHECK(store.pulls()[0].options.authfile == "/auth.json");
}

TEST_CASE("parse_retry_delay and tries_for") {
  CHECK(parse_retry_delay("5s") == std::chrono::milliseconds(5000));
  CHECK(parse_retry_delay("1m30s") == std::chrono::milliseconds(90000));
  CHECK(parse_retry_delay("250ms") == std::chrono::milliseconds(250));
  CHECK(parse_retry_delay("2") == std::chrono::milliseconds(2000));
  CHECK_FALSE(parse_retry_delay("5x"));
  CHECK_FALSE(parse_retry_delay("s"));
  CHECK_FALSE(parse_retry_delay(""));
  quadlet_scan::PullOptions o;
  CHECK(tries_for(o, 3) == 3);
  o.retry = 0;
  CHECK(tries_for(o, 3) == 1);
  CHECK(is_retryable("dial tcp 127.0.0.1:5000: connect: connection refused"));
  CHECK_FALSE(is_retryable("reading manifest 9: manifest unknown"));
  // Issue 11, point 8: boot-time networks come up late; a name lookup is retried (bounded).
  CHECK(is_retryable("dial tcp: lookup registry.example on 127.0.0.53:53: no such host"));
}

TEST_CASE("below the free-space floor nothing is pulled and every missing image says why") {
  FakeImageStore store;  // at /fake/store: the check looks at its nearest parent, /
  store.put(remote("a1", "quay.io/x/a", "1"));
  store.add_remote("quay.io/x/b:1", remote("b1", "quay.io/x/b", "1"));
  auto plan =
      plan_pulls({{"quay.io/x/a:1", {}, "pin"}, {"quay.io/x/b:1", {}, "pin"}}, store.list());
  REQUIRE(plan);
  auto options = fast();
  options.min_free = std::numeric_limits<std::uint64_t>::max();
  std::vector<PullEvent> events;
  auto out = run_pulls(store, *plan, options, [&](const PullEvent& e) { events.push_back(e); });
  CHECK(store.pull_calls() == 0);
  REQUIRE(out.size() == 2);
  CHECK(out[0].image);  // present: not affected
  REQUIRE(out[1].error);
  CHECK(out[1].error->find("not pulling quay.io/x/b:1: not enough free space for the store "
                           "/fake/store: the file system of / has ") == 0);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::Failed);

  // With room (a floor of 1 byte) the same plan pulls.
  options.min_free = 1;
  out = run_pulls(store, *plan, options, {});
  CHECK(store.pull_calls() == 1);
  CHECK_FALSE(out[1].error);
}

TEST_CASE("free_space_of: the nearest existing parent; nothing for an impossible path") {
  test_support::TempDir tmp;
  auto space = free_space_of((tmp / "a/b/c").string());
  REQUIRE(space);
  CHECK(space->checked == tmp.path().string());
  CHECK(space->available > 0);
  CHECK_FALSE(free_space_problem((tmp / "a").string(), 0));  // 0: no check
}

// Issue 11, point 2: an exception that is not util::Error (bad_alloc, a JSON error in a
// reporter, a system_error) must not escape a pulling thread (std::terminate): it becomes
// that image's failed outcome, and the other images are still pulled.
TEST_CASE("any exception in a pull or a reporter becomes that image's outcome") {
  FakeImageStore store;
  store.add_remote("quay.io/x/a:1", remote("a1", "quay.io/x/a", "1"));
  store.add_remote("quay.io/x/b:1", remote("b1", "quay.io/x/b", "1"));
  store.add_remote("quay.io/x/c:1", remote("c1", "quay.io/x/c", "1"));
  store.throw_on_pull("quay.io/x/a:1", [] { throw std::bad_alloc(); });
  store.throw_on_pull("quay.io/x/b:1", [] { throw std::runtime_error("not a util::Error"); });
  auto plan = plan_pulls({{"quay.io/x/a:1", {}, "admin pin"},
                          {"quay.io/x/b:1", {}, "admin pin"},
                          {"quay.io/x/c:1", {}, "admin pin"}},
                         store.list());
  REQUIRE(plan);
  int reports = 0;
  auto out = run_pulls(store, *plan, fast(2), [&](const PullEvent& e) {
    ++reports;
    if (e.kind == Kind::Failed) {
      throw std::logic_error("a reporter that fails (like a JSON dump of invalid UTF-8)");
    }
  });
  REQUIRE(out.size() == 3);
  CHECK(out[0].error);
  CHECK(out[0].error->find("bad_alloc") != std::string::npos);
  CHECK(out[1].error);
  CHECK(out[1].error->find("not a util::Error") != std::string::npos);
  CHECK_FALSE(out[2].error);
  CHECK(out[2].image->id == "c1");
  CHECK(reports >= 4);
}

namespace {

// Sends SIGTERM to this process and waits until the watch has seen it.
void get_sigterm() {
  ::kill(::getpid(), SIGTERM);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (rootpin::util::interrupted() == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

TEST_CASE("after SIGTERM no pull starts and no retry either") {
  ::signal(SIGTERM, SIG_DFL);
  rootpin::util::SignalWatch watch(std::chrono::seconds(5));
  FakeImageStore store;
  for (const char* name : {"a", "b", "c"}) {
    store.add_remote(fmt::format("quay.io/x/{}:1", name),
                     remote(fmt::format("{}1", name), fmt::format("quay.io/x/{}", name), "1"));
  }
  // The first pull fails with a reason worth retrying, as the signal arrives.
  store.throw_on_pull("quay.io/x/a:1", [] {
    get_sigterm();
    throw rootpin::util::Error("pulling quay.io/x/a:1: connection refused");
  });
  auto plan = plan_pulls(
      {{"quay.io/x/a:1", {}, "pin"}, {"quay.io/x/b:1", {}, "pin"}, {"quay.io/x/c:1", {}, "pin"}},
      store.list());
  REQUIRE(plan);
  auto out = run_pulls(store, *plan, fast(1), {});
  CHECK(store.pull_calls() == 1);
  REQUIRE(out.size() == 3);
  CHECK(out[0].error == "pulling quay.io/x/a:1: connection refused");
  CHECK(out[1].error == "not pulled: rootpin is stopping");
  CHECK(out[2].error == "not pulled: rootpin is stopping");
}

TEST_CASE("a signal cuts a retry's delay short") {
  ::signal(SIGTERM, SIG_DFL);
  rootpin::util::SignalWatch watch(std::chrono::seconds(5));
  FakeImageStore store;
  store.add_remote("quay.io/x/a:1", remote("a1", "quay.io/x/a", "1"));
  store.fail_pulls("quay.io/x/a:1", 10, "connection refused");
  quadlet_scan::PullOptions o;
  o.retry_delay = "1h";
  auto plan = plan_pulls({{"quay.io/x/a:1", o, "pin"}}, {});
  std::jthread sender([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    get_sigterm();
  });
  const auto start = std::chrono::steady_clock::now();
  auto out = run_pulls(store, *plan, fast(), {});
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  CHECK(store.pull_calls() == 1);
  CHECK(out[0].error ==
        "pulling quay.io/x/a:1: connection refused; not retried: rootpin is stopping");
}
