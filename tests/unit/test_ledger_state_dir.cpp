#include "src/ledger/state_dir.hpp"

#include "base/error.hpp"
#include "tests/unit/child_process.hpp"
#include "tests/unit/file_helpers.hpp"
#include "tests/unit/temp_dir.hpp"

#include <sys/mount.h>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

using namespace rootpin::ledger;
using rootpin::util::Error;
using namespace test_support;
using namespace std::chrono_literals;

namespace {

Ledger ledger_with_pin(const std::string& ref) {
  Ledger l;
  l.add_or_update_pin(AdminPin{ref, "sha256:" + std::string(64, 'a'), "id", "because", "t"});
  l.set_root(
      RootRecord{"os/abc.0", "t", {BoundImage{"web.container", ref, "sha256:d", "id", "t"}}});
  return l;
}

void save(StateDir& dir, const Ledger& l) {
  auto lock = dir.lock_writer(1s);
  dir.save(l, lock);
}

// Two generations saved (.prev holds the first, returned), then ledger.json torn.
Ledger torn_after_two_saves(StateDir& dir) {
  Ledger first = ledger_with_pin("quay.io/a:1");
  save(dir, first);
  save(dir, ledger_with_pin("quay.io/b:2"));
  write_text(dir.ledger_path(), "{\"version\": 1, \"roots\": {tru");
  return first;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> corrupt_copies(const std::string& dir, const std::string& base) {
  std::vector<std::string> out;
  for (const auto& name : names_in(dir)) {
    if (name.rfind(base + ".corrupt-", 0) == 0) {
      out.push_back(dir + "/" + name);
    }
  }
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("state_dir: a missing directory is created 0700 (parents too) and ledger.json 0600") {
  TempDir tmp;
  std::string path = tmp / "var/lib/rootpin";
  mode_t old_umask = ::umask(0);  // the modes must not depend on the caller's umask
  StateDir dir = StateDir::open(path, StateDir::Create::IfMissing);
  ::umask(old_umask);
  CHECK(dir.path() == path);
  CHECK(mode_of(path) == 0700);

  auto loaded = dir.load();
  CHECK(loaded.ledger == Ledger{});
  CHECK(loaded.warnings.empty());
  CHECK_FALSE(loaded.recovered);

  save(dir, ledger_with_pin("quay.io/a:1"));
  CHECK(mode_of(dir.ledger_path()) == 0600);
  CHECK(names_in(path) == std::vector<std::string>{"ledger.json"});
}

TEST_CASE("state_dir: Never does not create; open_if_exists says missing") {
  TempDir tmp;
  std::string path = tmp / "state";
  CHECK(contains(error_of([&] { StateDir::open(path, StateDir::Create::Never); }),
                 "cannot open state directory " + path + ": No such file or directory"));
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK_FALSE(StateDir::open_if_exists(path).has_value());
  std::filesystem::create_directory(path);
  ::chmod(path.c_str(), 0700);
  CHECK(StateDir::open_if_exists(path).has_value());
}

TEST_CASE("state_dir: a symlink as the state directory is refused") {
  TempDir tmp;
  std::filesystem::create_directory(tmp / "real");
  ::chmod((tmp / "real").c_str(), 0700);
  std::filesystem::create_directory_symlink(tmp / "real", tmp / "state");
  for (auto create : {StateDir::Create::IfMissing, StateDir::Create::Never}) {
    std::string m = error_of([&] { StateDir::open(tmp / "state", create); });
    CHECK_MESSAGE(
        contains(m, "refusing state directory " + (tmp / "state").string() + ": it is a symlink"),
        m);
  }
  CHECK(names_in(tmp / "real").empty());
}

TEST_CASE("state_dir: a directory others can write is refused") {
  TempDir tmp;
  std::string path = tmp / "state";
  std::filesystem::create_directory(path);
  ::chmod(path.c_str(), 0777);
  CHECK(contains(error_of([&] { StateDir::open(path, StateDir::Create::Never); }),
                 "writable by group or others (mode 0777)"));
  ::chown(path.c_str(), 65534, 65534);
  ::chmod(path.c_str(), 0700);
  CHECK(contains(error_of([&] { StateDir::open(path, StateDir::Create::Never); }),
                 "owned by uid 65534"));
}

TEST_CASE("state_dir: save then load roundtrips; the previous generation is kept") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  Ledger first = ledger_with_pin("quay.io/a:1");
  Ledger second = ledger_with_pin("quay.io/b:2");
  save(dir, first);
  save(dir, second);
  auto loaded = dir.load();
  CHECK(loaded.ledger == second);
  CHECK_FALSE(loaded.recovered);
  CHECK(read_text(tmp / "s/ledger.json.prev") == serialize_ledger(first));
  CHECK(mode_of(tmp / "s/ledger.json.prev") == 0600);
  CHECK(names_in(tmp / "s") == std::vector<std::string>{"ledger.json", "ledger.json.prev"});
}

TEST_CASE("state_dir: temps left by a crashed writer are cleaned at the next save") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  write_text(tmp / "s/.ledger.json.tmp-99999", "half");
  write_text(tmp / "s/ledger.json.prev.tmp", "half");
  save(dir, ledger_with_pin("quay.io/a:1"));
  save(dir, ledger_with_pin("quay.io/a:2"));
  CHECK(names_in(tmp / "s") == std::vector<std::string>{"ledger.json", "ledger.json.prev"});
}

TEST_CASE("state_dir: a corrupt ledger is moved aside, .prev is used, loudly") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  const Ledger first = torn_after_two_saves(dir);

  auto lock = dir.lock_writer(1s);
  auto loaded = dir.load(&lock);
  CHECK(loaded.recovered);
  CHECK(loaded.ledger == first);
  auto aside = corrupt_copies(tmp / "s", "ledger.json");
  REQUIRE(aside.size() == 1);
  CHECK(read_text(aside[0]) == "{\"version\": 1, \"roots\": {tru");  // never deleted
  CHECK_FALSE(std::filesystem::exists(dir.ledger_path()));
  REQUIRE(loaded.warnings.size() == 2);
  CHECK(contains(loaded.warnings[0], dir.ledger_path() + " is corrupt"));
  CHECK(contains(loaded.warnings[0], "moved it aside to " + aside[0]));
  CHECK(contains(loaded.warnings[1], "using the previous generation"));
  CHECK(contains(loaded.warnings[1], "rescanning"));

  // The next save starts a new generation without losing the good .prev.
  dir.save(loaded.ledger, lock);
  auto again = dir.load();
  CHECK(again.ledger == first);
  CHECK(again.warnings.empty());
  CHECK(corrupt_copies(tmp / "s", "ledger.json").size() == 1);
}

// Issue 11, point 5: a reader (status, boot) takes no lock, so it must never move a file a
// writer may be replacing at that moment: it reports the corrupt ledger and reads .prev.
TEST_CASE("state_dir: a reader leaves a corrupt ledger in place and reads .prev") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  const Ledger first = torn_after_two_saves(dir);
  auto loaded = dir.load();
  CHECK(loaded.recovered);
  CHECK(loaded.ledger == first);
  CHECK(read_text(dir.ledger_path()) == "{\"version\": 1, \"roots\": {tru");
  CHECK(corrupt_copies(tmp / "s", "ledger.json").empty());
  REQUIRE_FALSE(loaded.warnings.empty());
  CHECK(contains(loaded.warnings[0], "left in place for the next rootpin that writes"));
  // A corrupt .prev too: still nothing moved.
  write_text(tmp / "s/ledger.json.prev", "garbage");
  auto empty = dir.load();
  CHECK(empty.ledger == Ledger{});
  CHECK(corrupt_copies(tmp / "s", "ledger.json").empty());
  CHECK(corrupt_copies(tmp / "s", "ledger.json.prev").empty());
}

TEST_CASE("state_dir: corrupt ledger and corrupt .prev give an empty, recovered ledger") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  write_text(dir.ledger_path(), "garbage");
  write_text(tmp / "s/ledger.json.prev", "{\"version\": 1, \"pins\": 3}");
  auto lock = dir.lock_writer(1s);
  auto loaded = dir.load(&lock);
  CHECK(loaded.recovered);
  CHECK(loaded.ledger == Ledger{});
  CHECK(corrupt_copies(tmp / "s", "ledger.json").size() == 1);
  CHECK(corrupt_copies(tmp / "s", "ledger.json.prev").size() == 1);
  REQUIRE(loaded.warnings.size() == 2);
  CHECK(contains(loaded.warnings[1], "pins: expected an array"));
  CHECK(contains(loaded.warnings[1], "starting from an empty ledger"));
}

TEST_CASE("state_dir: corrupt ledger without .prev warns that pins are lost") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  write_text(dir.ledger_path(), "");
  auto loaded = dir.load();
  CHECK(loaded.recovered);
  CHECK(loaded.ledger == Ledger{});
  REQUIRE(loaded.warnings.size() == 2);
  CHECK(contains(loaded.warnings[1], "admin pins are lost"));
}

TEST_CASE("state_dir: a missing ledger with a .prev falls back to it") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  Ledger l = ledger_with_pin("quay.io/a:1");
  write_text(tmp / "s/ledger.json.prev", serialize_ledger(l));
  auto loaded = dir.load();
  CHECK(loaded.recovered);
  CHECK(loaded.ledger == l);
  REQUIRE(loaded.warnings.size() == 1);
  CHECK(contains(loaded.warnings[0], "is missing; using the previous generation"));
}

TEST_CASE("state_dir: a ledger from a newer rootpin is left in place and refused") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  std::string future = R"({"version": 2, "roots": {}, "shiny": true})";
  write_text(dir.ledger_path(), future);
  std::string m = error_of([&] { dir.load(); });
  CHECK_MESSAGE(contains(m, dir.ledger_path() + ": ledger format version 2"), m);
  CHECK(contains(m, "upgrade rootpin"));
  CHECK(read_text(dir.ledger_path()) == future);
  CHECK(corrupt_copies(tmp / "s", "ledger.json").empty());
}

TEST_CASE("state_dir: a symlink planted at ledger.json is neither read nor written through") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  std::string outside = tmp / "outside";
  std::string precious = serialize_ledger(ledger_with_pin("quay.io/evil:1"));
  write_text(outside, precious);
  std::filesystem::create_symlink(outside, dir.ledger_path());

  CHECK(contains(error_of([&] { dir.load(); }),
                 "refusing to read " + dir.ledger_path() + ": it is a symlink"));
  CHECK(contains(error_of([&] { save(dir, Ledger{}); }),
                 "refusing to replace " + dir.ledger_path() + ": it is a symlink"));
  CHECK(read_text(outside) == precious);
  CHECK(std::filesystem::is_symlink(dir.ledger_path()));
}

TEST_CASE("state_dir: symlinks planted at .prev and at the temp name are refused") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  save(dir, ledger_with_pin("quay.io/a:1"));
  std::string before = read_text(dir.ledger_path());
  std::string outside = tmp / "outside";
  write_text(outside, "precious");

  std::string prev = tmp / "s/ledger.json.prev";
  std::filesystem::create_symlink(outside, prev);
  CHECK(contains(error_of([&] { save(dir, Ledger{}); }), "refusing to replace " + prev));
  std::filesystem::remove(prev);

  // The temp name is per process: plant a symlink where this process will write. Under the
  // writer lock any temp is a crashed writer's leftover: it is unlinked (which never follows)
  // and the write goes to a fresh O_EXCL|O_NOFOLLOW file.
  std::string temp = tmp / ("s/.ledger.json.tmp-" + std::to_string(::getpid()));
  std::filesystem::create_symlink(outside, temp);
  save(dir, ledger_with_pin("quay.io/b:2"));  // a stale symlink is removed, never followed
  CHECK(read_text(outside) == "precious");
  CHECK_FALSE(std::filesystem::is_symlink(temp));

  CHECK(read_text(prev) == before);
}

TEST_CASE("state_dir: saving needs this directory's writer lock") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "a", StateDir::Create::IfMissing);
  StateDir other = StateDir::open(tmp / "b", StateDir::Create::IfMissing);
  auto wrong = other.lock_writer(1s);
  CHECK(contains(error_of([&] { dir.save(Ledger{}, wrong); }), "without holding its writer lock"));
  CHECK_FALSE(std::filesystem::exists(dir.ledger_path()));

  auto lock = dir.lock_writer(1s);
  CHECK_THROWS_AS(dir.lock_writer(0ms, [](const std::string&) {}), Error);  // one writer
  CHECK_NOTHROW(dir.load());                                                // readers need no lock
}

TEST_CASE("state_dir: an unwritable state dir gives a clear error and keeps the old ledger") {
  TempDir tmp;
  StateDir dir = StateDir::open(tmp / "s", StateDir::Create::IfMissing);
  save(dir, ledger_with_pin("quay.io/a:1"));
  std::string before = read_text(dir.ledger_path());
  auto lock = dir.lock_writer(1s);
  ::chmod(tmp.path().c_str(), 0755);
  ::chmod(dir.path().c_str(), 0755);
  std::string result = run_in_child([&]() -> std::string {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
      return "cannot become nobody";
    }
    std::string m = error_of([&] { dir.save(ledger_with_pin("quay.io/b:2"), lock); });
    return contains(m, "cannot create " + dir.path() + "/.ledger.json.tmp-") &&
                   contains(m, "Permission denied")
               ? ""
               : "unclear message: " + m;
  });
  CHECK_MESSAGE(result.empty(), result);
  CHECK(read_text(dir.ledger_path()) == before);
  CHECK(names_in(dir.path()) == std::vector<std::string>{"ledger.json"});
}

// The file-system faults below need a small file system of our own: a tmpfs mounted in a
// private mount namespace of a child process, gone when the child exits.
TEST_CASE("state_dir: read-only and full file systems fail clearly, old ledger intact") {
  TempDir tmp;
  std::string mnt = tmp / "mnt";
  std::filesystem::create_directory(mnt);
  std::string result = run_in_child([&]() -> std::string {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k,mode=0700") != 0) {
      return "cannot mount a private tmpfs: " + std::string(std::strerror(errno));
    }
    StateDir dir = StateDir::open(mnt + "/s", StateDir::Create::IfMissing);
    Ledger small = ledger_with_pin("quay.io/a:1");
    save(dir, small);
    std::string before = read_text(dir.ledger_path());

    // Full: a ledger bigger than the file system.
    Ledger big;
    for (int i = 0; i < 2000; ++i) {
      big.add_or_update_pin(AdminPin{"quay.io/x:" + std::to_string(i), "sha256:x", "", "", ""});
    }
    std::string full = error_of([&] { save(dir, big); });
    if (!contains(full, "No space left on device") || !contains(full, dir.path())) {
      return "ENOSPC: unclear message: " + full;
    }
    if (read_text(dir.ledger_path()) != before || dir.load().ledger != small) {
      return "ENOSPC: the old ledger changed";
    }
    if (names_in(dir.path()) != std::vector<std::string>{"ledger.json"}) {
      std::string names;
      for (const auto& n : names_in(dir.path())) {
        names += " " + n;
      }
      return "ENOSPC: leftovers in the state dir:" + names;
    }

    // Read-only.
    if (::mount(nullptr, mnt.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      return "cannot remount read-only";
    }
    std::string ro = error_of([&] { save(dir, small); });
    if (!contains(ro, "Read-only file system") || !contains(ro, dir.path())) {
      return "EROFS: unclear message: " + ro;
    }
    if (dir.load().ledger != small) {
      return "EROFS: the old ledger changed";
    }
    return "";
  });
  CHECK_MESSAGE(result.empty(), result);
}
