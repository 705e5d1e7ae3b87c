// src/ostree/ on a real, non-booted sysroot built with the ostree CLI in a temp dir.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/error.hpp"
#include "src/ostree/finalization_lock.hpp"
#include "src/ostree/sysroot.hpp"

namespace fs = std::filesystem;
using namespace rootpin::ostree;

namespace {

void run(const std::string& command) {
  const std::string quiet = command + " >/dev/null 2>&1";
  INFO("command: ", command);
  REQUIRE(std::system(quiet.c_str()) == 0);
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// An archive repo with ref testos/stable and a sysroot deployed from it over file://.
class OstreeFixture {
public:
  OstreeFixture() {
    char tmpl[] = "/tmp/rootpin-unit-ostree-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
    run(fmt::format("ostree --repo={} init --mode=archive", repo()));
    commit("1.0");
    fs::create_directories(sysroot());
    run(fmt::format("ostree admin init-fs {}", sysroot()));
    run(fmt::format("ostree admin os-init --sysroot={} testos", sysroot()));
    run(fmt::format("ostree --repo={}/ostree/repo remote add --no-gpg-verify origin file://{}",
                    sysroot(), repo()));
    run(fmt::format("ostree --repo={}/ostree/repo pull origin testos/stable", sysroot()));
    run(fmt::format("ostree admin deploy --sysroot={} --os=testos origin:testos/stable",
                    sysroot()));
  }
  ~OstreeFixture() {
    std::system(fmt::format("chattr -R -i {} >/dev/null 2>&1", dir_.string()).c_str());
    fs::remove_all(dir_);
  }
  OstreeFixture(const OstreeFixture&) = delete;
  OstreeFixture& operator=(const OstreeFixture&) = delete;

  // A new commit on testos/stable whose tree says which version it is.
  void commit(const std::string& version) {
    const fs::path tree = dir_ / ("tree-" + version);
    write_file(tree / "usr/lib/modules/6.1.0/vmlinuz", "kernel\n");
    write_file(tree / "usr/lib/modules/6.1.0/initramfs.img", "initramfs\n");
    write_file(tree / "usr/lib/os-release", "ID=testos\nPRETTY_NAME=\"Test OS\"\n");
    write_file(tree / "usr/etc/os-release", "ID=testos\nPRETTY_NAME=\"Test OS\"\n");
    write_file(tree / "usr/share/rootpin-test/version", version + "\n");
    run(
        fmt::format("ostree --repo={} commit -b testos/stable --add-metadata-string=version={} "
                    "--tree=dir={}",
                    repo(), version, tree.string()));
  }

  std::string repo() const { return (dir_ / "repo").string(); }
  std::string sysroot() const { return (dir_ / "sysroot").string(); }
  const fs::path& dir() const { return dir_; }

private:
  fs::path dir_;
};

std::string read_at(int dirfd, const char* relpath) {
  const int fd = ::openat(dirfd, relpath, O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  char buf[256] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  REQUIRE(n >= 0);
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

TEST_CASE("a directory that is not an ostree sysroot is refused by name") {
  char tmpl[] = "/tmp/rootpin-unit-notsysroot-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  try {
    Sysroot::load(dir);
    FAIL("loaded a plain directory as a sysroot");
  } catch (const rootpin::util::Error& e) {
    CHECK(std::string(e.what()) == dir + " is not an ostree sysroot (no ostree/repo directory)");
  }
  fs::remove_all(dir);
}

TEST_CASE("deployments of a sysroot that is not booted") {
  OstreeFixture fx;
  Sysroot sysroot = Sysroot::load(fx.sysroot());
  CHECK_FALSE(sysroot.is_booted());
  CHECK(sysroot.default_osname() == "testos");
  auto list = sysroot.deployments();
  REQUIRE(list.size() == 1);
  const Deployment& d = list[0];
  CHECK(d.index == 0);
  CHECK(d.osname == "testos");
  CHECK(d.checksum.size() == 64);
  CHECK(d.serial == 0);
  CHECK(d.root_id == "testos/" + d.checksum + ".0");
  CHECK(d.version == "1.0");
  CHECK(d.role == Role::Pending);
  CHECK_FALSE(d.pinned);
  CHECK(d.origin_refspec == "origin:testos/stable");
  CHECK_FALSE(sysroot.booted().has_value());
  CHECK_FALSE(sysroot.staged().has_value());

  SUBCASE("the deployment dirfd is its root") {
    rootpin::util::Fd fd = sysroot.deployment_dirfd(d);
    CHECK(read_at(fd.get(), "usr/share/rootpin-test/version") == "1.0\n");
  }
  SUBCASE("ostree admin pin shows as pinned") {
    run(fmt::format("ostree admin pin --sysroot={} 0", fx.sysroot()));
    sysroot.reload();
    CHECK(sysroot.deployments().at(0).pinned);
  }
  SUBCASE("an index past the end names the count") {
    CHECK_THROWS_WITH_AS(
        sysroot.deployment(3),
        fmt::format("sysroot {} has no deployment 3 (it has 1)", fx.sysroot()).c_str(),
        rootpin::util::Error);
  }
}

TEST_CASE("pull and deploy a new commit as pending, then undo it") {
  OstreeFixture fx;
  Sysroot sysroot = Sysroot::load(fx.sysroot());
  auto lock = sysroot.lock();
  CHECK_FALSE(sysroot.check_for_update("testos").has_value());
  CHECK_FALSE(sysroot.pull_and_deploy("testos").has_value());
  CHECK(sysroot.deployments().size() == 1);

  fx.commit("2.0");
  auto update = sysroot.check_for_update("testos");
  REQUIRE(update.has_value());
  CHECK(update->version == "2.0");
  CHECK(update->refspec == "origin:testos/stable");

  const Deployment old = sysroot.deployments().at(0);
  auto created = sysroot.pull_and_deploy("testos");
  REQUIRE(created.has_value());
  CHECK(created->version == "2.0");
  CHECK(created->checksum == update->checksum);
  CHECK(created->index == 0);
  CHECK(created->role == Role::Pending);
  auto list = sysroot.deployments();
  REQUIRE(list.size() == 2);
  CHECK(list[1].root_id == old.root_id);
  CHECK(list[1].role == Role::Rollback);
  CHECK(read_at(sysroot.deployment_dirfd(*created).get(), "usr/share/rootpin-test/version") ==
        "2.0\n");

  sysroot.undo(*created);
  list = sysroot.deployments();
  REQUIRE(list.size() == 1);
  CHECK(list[0].root_id == old.root_id);
  CHECK(list[0].role == Role::Pending);
  CHECK_FALSE(fs::exists(fs::path(fx.sysroot()) / "ostree/deploy/testos/deploy" /
                         (created->checksum + ".0")));
}

TEST_CASE("the sysroot lock excludes a second holder, with a bounded wait") {
  OstreeFixture fx;
  Sysroot first = Sysroot::load(fx.sysroot());
  Sysroot second = Sysroot::load(fx.sysroot());
  {
    auto held = first.lock();
    CHECK_THROWS_AS(second.lock(std::chrono::milliseconds(200)), rootpin::util::Error);
  }
  auto now_free = second.lock(std::chrono::milliseconds(200));
}

TEST_CASE("the finalization lock file is created, removed and can be kept") {
  char tmpl[] = "/tmp/rootpin-unit-finlock-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const fs::path path = fs::path(tmpl) / "run/ostree/staged-deployment-locked";
  {
    auto lock = FinalizationLock::create(path.string());
    CHECK(fs::exists(path));
    CHECK(lock.owner() == FinalizationLock::Owner::Rootpin);
    CHECK(lock.remove() == FinalizationLock::Released::Removed);
    CHECK_FALSE(fs::exists(path));
  }
  {
    auto lock = FinalizationLock::create(path.string());
    CHECK(fs::exists(path));
  }
  // Fails closed (issue 11, point 1): an exception on the way out must not let ostree
  // finalize a root whose images are missing; only remove() releases the lock.
  CHECK(fs::exists(path));
  CHECK(FinalizationLock::holder(path.string()) == FinalizationLock::Owner::Rootpin);
  {
    auto lock = FinalizationLock::create(path.string());
    lock.keep();
  }
  CHECK(fs::exists(path));  // neither bound nor undone: ostree must not finalize
  {
    // The lock a failed bind kept is rootpin's: the next successful bind removes it.
    auto lock = FinalizationLock::create(path.string());
    CHECK(lock.owner() == FinalizationLock::Owner::Rootpin);
    CHECK(lock.remove() == FinalizationLock::Released::Removed);
    CHECK_FALSE(fs::exists(path));
  }
  fs::remove_all(tmpl);
}

TEST_CASE("a finalization lock that rootpin did not write is never removed") {
  char tmpl[] = "/tmp/rootpin-unit-finlock-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const fs::path path = fs::path(tmpl) / "staged-deployment-locked";
  { std::ofstream admin(path); }  // `touch`: an admin holds the staged update back
  {
    auto lock = FinalizationLock::create(path.string());
    CHECK(lock.owner() == FinalizationLock::Owner::Other);
    CHECK(lock.remove() == FinalizationLock::Released::LeftInPlace);
  }
  CHECK(fs::exists(path));
  { auto dropped = FinalizationLock::create(path.string()); }
  CHECK(fs::exists(path));  // not on the error path either
  fs::remove_all(tmpl);
}

// Issue 11, point 4: a crash between creating the lock file and writing rootpin's marker
// must not leave an empty file, which reads as someone else's lock forever. The crash is
// real: RLIMIT_FSIZE 0 makes the marker's write() raise SIGXFSZ, which kills the child.
TEST_CASE("a crash while the finalization lock is written leaves no lock that is not rootpin's") {
  char tmpl[] = "/tmp/rootpin-unit-finlock-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const fs::path path = fs::path(tmpl) / "staged-deployment-locked";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    struct rlimit none {};
    ::setrlimit(RLIMIT_FSIZE, &none);
    ::signal(SIGXFSZ, SIG_DFL);
    try {
      auto lock = FinalizationLock::create(path.string());
      lock.keep();
    } catch (...) {
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGXFSZ);
  const auto holder = FinalizationLock::holder(path.string());
  CHECK((!holder || *holder == FinalizationLock::Owner::Rootpin));
  {
    auto lock = FinalizationLock::create(path.string());  // the next run can take it
    CHECK(lock.owner() == FinalizationLock::Owner::Rootpin);
    CHECK(lock.remove() == FinalizationLock::Released::Removed);
  }
  fs::remove_all(tmpl);
}
