#include "base/atomic_file.hpp"

#include "base/error.hpp"
#include "tests/unit/child_process.hpp"
#include "tests/unit/file_helpers.hpp"
#include "tests/unit/temp_dir.hpp"

#include <sys/resource.h>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <string>

using rootpin::util::AtomicFile;
using rootpin::util::Error;
using namespace test_support;

namespace {

std::size_t entries_in(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("atomic_file: commit puts the content in place with the exact mode") {
  TempDir tmp;
  std::string target = tmp / "out.json";
  mode_t old_umask = ::umask(0077);
  {
    AtomicFile f(target, 0640);
    f.write("hello ");
    f.write("world\n");
    CHECK_FALSE(std::filesystem::exists(target));  // nothing before commit
    f.commit();
  }
  ::umask(old_umask);
  CHECK(read_text(target) == "hello world\n");
  CHECK(mode_of(target) == 0640);
  CHECK(entries_in(tmp.path()) == 1);  // no temp left behind
}

TEST_CASE("atomic_file: the old content stays until commit, then is replaced whole") {
  TempDir tmp;
  std::string target = tmp / "ledger";
  write_text(target, "old");
  AtomicFile f(target, 0600);
  f.write("new content");
  CHECK(read_text(target) == "old");
  f.commit();
  CHECK(read_text(target) == "new content");
  CHECK_THROWS_AS(f.write("more"), Error);
  CHECK_THROWS_AS(f.commit(), Error);
}

TEST_CASE("atomic_file: without commit nothing is left and the old file is intact") {
  TempDir tmp;
  std::string target = tmp / "ledger";
  write_text(target, "old");
  {
    AtomicFile f(target, 0600);
    f.write("half-written");
    CHECK(entries_in(tmp.path()) == 2);  // the temp exists meanwhile
  }
  CHECK(read_text(target) == "old");
  CHECK(entries_in(tmp.path()) == 1);
}

TEST_CASE("atomic_file: a moved-from object neither commits nor removes") {
  TempDir tmp;
  std::string target = tmp / "f";
  AtomicFile a(target, 0600);
  a.write("x");
  AtomicFile b(std::move(a));
  b.commit();
  CHECK(read_text(target) == "x");
  CHECK(entries_in(tmp.path()) == 1);
}

TEST_CASE("atomic_file: a throwing before-rename hook aborts the commit") {
  TempDir tmp;
  std::string target = tmp / "f";
  write_text(target, "old");
  {
    AtomicFile f(target, 0600);
    f.write("new");
    CHECK_THROWS_WITH_AS(f.commit([](int) { throw Error("hook says no"); }), "hook says no", Error);
  }
  CHECK(read_text(target) == "old");
  CHECK(entries_in(tmp.path()) == 1);
}

TEST_CASE("atomic_file: a symlink planted at the temp name is refused, not followed") {
  TempDir tmp;
  std::string outside = tmp / "outside";
  write_text(outside, "precious");
  std::filesystem::create_directory(tmp / "dir");
  std::string planted = tmp / ("dir/.ledger.tmp-" + std::to_string(::getpid()));
  std::filesystem::create_symlink(outside, planted);
  try {
    AtomicFile f(tmp / "dir/ledger", 0600);
    FAIL("a symlink at the temp name was accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("symlink") != std::string::npos);
    CHECK(std::string(e.what()).find(planted) != std::string::npos);
  }
  CHECK(read_text(outside) == "precious");
}

TEST_CASE("atomic_file: a leftover regular temp with our pid is stepped around") {
  TempDir tmp;
  std::string leftover = tmp / (".f.tmp-" + std::to_string(::getpid()));
  write_text(leftover, "stale");
  AtomicFile f(tmp / "f", 0600);
  f.write("fresh");
  f.commit();
  CHECK(read_text(tmp / "f") == "fresh");
  CHECK(read_text(leftover) == "stale");
}

TEST_CASE("atomic_file: a missing directory is a clear error naming it") {
  TempDir tmp;
  std::string dir = tmp / "missing";
  CHECK_THROWS_WITH_AS(AtomicFile(dir + "/f", 0600),
                       ("cannot open directory " + dir + ": No such file or directory").c_str(),
                       Error);
}

TEST_CASE("atomic_file: an unwritable directory fails up front, old file intact") {
  TempDir tmp;
  std::string dir = tmp / "ro";
  std::filesystem::create_directory(dir);
  write_text(dir + "/f", "old");
  ::chmod(tmp.path().c_str(), 0755);  // nobody may reach the directory, not write in it
  ::chmod(dir.c_str(), 0755);
  // root ignores permissions: try as nobody in a child.
  std::string result = run_in_child([&]() -> std::string {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
      return "cannot become nobody";
    }
    try {
      AtomicFile f(dir + "/f", 0600);
      return "created a temp in a read-only directory";
    } catch (const Error& e) {
      std::string m = e.what();
      return m.rfind("cannot create " + dir + "/.f.tmp-", 0) == 0 &&
                     m.find("Permission denied") != std::string::npos
                 ? ""
                 : "unclear message: " + m;
    }
  });
  CHECK_MESSAGE(result.empty(), result);
  CHECK(read_text(dir + "/f") == "old");
}

TEST_CASE("atomic_file: a write error (file size limit) names the temp, old file intact") {
  TempDir tmp;
  std::string target = tmp / "f";
  write_text(target, "old");
  std::string result = run_in_child([&]() -> std::string {
    std::signal(SIGXFSZ, SIG_IGN);  // get EFBIG instead of being killed
    rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    try {
      AtomicFile f(target, 0600);
      f.write(std::string(10000, 'x'));
      f.commit();
      return "a write over the limit succeeded";
    } catch (const Error& e) {
      std::string m = e.what();
      return m.rfind("cannot write " + tmp.path().string() + "/.f.tmp-", 0) == 0 &&
                     m.find("File too large") != std::string::npos
                 ? ""
                 : "unclear message: " + m;
    }
  });
  CHECK_MESSAGE(result.empty(), result);
  CHECK(read_text(target) == "old");
  CHECK(entries_in(tmp.path()) == 1);
}
