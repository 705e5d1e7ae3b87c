// RootDir against hostile trees, in the spirit of systemd's chase() tests: every escape
// route must stay inside the root, and nothing but a regular file is ever read.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "quadlet-scan/root_dir.hpp"
#include "tests/unit/temp_dir.hpp"

using quadlet_scan::FileKind;
using quadlet_scan::kMaxFileSize;
using quadlet_scan::RootDir;
using test_support::TempDir;

namespace {

constexpr std::string_view kCanary = "CANARY: host secret, must never be read";

// A temp dir holding root/ (the root under test) and outside/passwd (the canary).
struct Fixture {
  TempDir tmp;
  std::string root_path;
  std::string canary_path;

  Fixture() {
    tmp.write("outside/passwd", kCanary);
    tmp.write("root/etc/passwd", "root-passwd");
    tmp.write("root/usr/lib/x.conf", "x");
    root_path = (tmp / "root").string();
    canary_path = (tmp / "outside/passwd").string();
  }
  RootDir root() const {
    auto r = RootDir::open(root_path);
    REQUIRE(r.has_value());
    return std::move(*r);
  }
  void link(std::string_view rel, std::string_view target) const {
    tmp.symlink(std::string("root/") + std::string(rel), target);
  }
};

void check_no_canary(const std::expected<std::string, quadlet_scan::Error>& r) {
  if (r) {
    CHECK(r->find("CANARY") == std::string::npos);
  }
}

}  // namespace

TEST_CASE("root_dir: reads a plain file and names the path in errors") {
  Fixture f;
  auto root = f.root();
  auto r = root.read_file("/usr/lib/x.conf");
  REQUIRE(r.has_value());
  CHECK(*r == "x");
  auto missing = root.read_file("/usr/lib/missing.conf");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().path == "/usr/lib/missing.conf");
  CHECK(missing.error().errnum == ENOENT);
  CHECK(missing.error().to_string().find("/usr/lib/missing.conf") != std::string::npos);
}

TEST_CASE("root_dir: relative ../../.. links stay inside the root") {
  Fixture f;
  f.link("etc/up", "../../../../../../outside/passwd");
  f.link("etc/up2", "../../outside/passwd");
  auto root = f.root();
  auto r = root.read_file("/etc/up");
  check_no_canary(r);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().errnum == ENOENT);
  CHECK(r.error().path == "/etc/up");
  check_no_canary(root.read_file("/etc/up2"));

  // With a decoy at the in-root place, the link reads the decoy, never the canary.
  f.tmp.write("root/outside/passwd", "decoy");
  auto d = root.read_file("/etc/up");
  REQUIRE(d.has_value());
  CHECK(*d == "decoy");
  auto res = root.resolve("/etc/up2");
  REQUIRE(res.has_value());
  CHECK(*res == "/outside/passwd");
}

TEST_CASE("root_dir: .. in the requested path cannot climb out") {
  Fixture f;
  auto root = f.root();
  check_no_canary(root.read_file("/../../../outside/passwd"));
  check_no_canary(root.read_file("../outside/passwd"));
  auto r = root.read_file("/../../../etc/passwd");
  REQUIRE(r.has_value());
  CHECK(*r == "root-passwd");
  auto dots = root.read_file("/usr/./lib/../lib/./x.conf");
  REQUIRE(dots.has_value());
  CHECK(*dots == "x");
}

TEST_CASE("root_dir: absolute links resolve inside the root") {
  Fixture f;
  f.link("etc/pw", "/etc/passwd");
  f.link("etc/host-abs", f.canary_path);  // the canary's real absolute host path
  f.link("etc/dir-link", "/usr/lib");
  auto root = f.root();
  auto pw = root.read_file("/etc/pw");
  REQUIRE(pw.has_value());
  CHECK(*pw == "root-passwd");
  auto abs = root.read_file("/etc/host-abs");
  check_no_canary(abs);
  CHECK_FALSE(abs.has_value());
  auto via = root.read_file("/etc/dir-link/x.conf");
  REQUIRE(via.has_value());
  CHECK(*via == "x");
  auto res = root.resolve("/etc/dir-link/x.conf");
  REQUIRE(res.has_value());
  CHECK(*res == "/usr/lib/x.conf");
  auto top = root.resolve("/");
  REQUIRE(top.has_value());
  CHECK(*top == "/");
}

TEST_CASE("root_dir: a symlinked parent directory pointing outside is confined") {
  Fixture f;
  f.tmp.symlink("root/escape", (f.tmp / "outside").string());
  f.link("up", "..");
  auto root = f.root();
  check_no_canary(root.read_file("/escape/passwd"));
  check_no_canary(root.read_file("/up/up/up/outside/passwd"));
  auto viaup = root.read_file("/up/up/etc/passwd");
  REQUIRE(viaup.has_value());
  CHECK(*viaup == "root-passwd");
}

TEST_CASE("root_dir: loops and self links are errors naming the path") {
  Fixture f;
  f.link("a", "b");
  f.link("b", "a");
  f.link("self", "self");
  f.link("selfdir", "selfdir/x");
  auto root = f.root();
  for (const char* p : {"/a", "/b", "/self", "/selfdir"}) {
    CAPTURE(p);
    auto r = root.read_file(p);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().path == p);
    CHECK(r.error().errnum == ELOOP);
    CHECK(r.error().to_string().find("symbolic links") != std::string::npos);
  }
  CHECK_FALSE(root.kind("/self").has_value());
  CHECK_FALSE(root.resolve("/a").has_value());
}

TEST_CASE("root_dir: dangling links and trailing slashes") {
  Fixture f;
  f.link("dangling", "/nowhere/at/all");
  auto root = f.root();
  auto d = root.read_file("/dangling");
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().errnum == ENOENT);
  CHECK(d.error().path == "/dangling");
  auto slash = root.read_file("/etc/passwd/");
  REQUIRE_FALSE(slash.has_value());
  CHECK(slash.error().errnum == ENOTDIR);
  auto dir = root.list_dir("/usr/lib/");
  REQUIRE(dir.has_value());
  REQUIRE(dir->size() == 1);
  CHECK((*dir)[0].name == "x.conf");
}

TEST_CASE("root_dir: only regular files are read") {
  Fixture f;
  REQUIRE(::mkfifo((f.tmp / "root/fifo").c_str(), 0600) == 0);
  REQUIRE(::mknod((f.tmp / "root/null").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0);
  int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(sock >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string sock_path = (f.tmp / "root/sock").string();
  REQUIRE(sock_path.size() < sizeof addr.sun_path);
  std::memcpy(addr.sun_path, sock_path.c_str(), sock_path.size() + 1);
  REQUIRE(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  f.link("fifo-link", "/fifo");
  auto root = f.root();

  struct Case {
    const char* path;
    const char* what;
  };
  for (auto [path, what] :
       {Case{"/fifo", "FIFO"}, Case{"/fifo-link", "FIFO"}, Case{"/null", "character device"},
        Case{"/sock", ""}, Case{"/usr/lib", "directory"}}) {
    CAPTURE(path);
    auto r = root.read_file(path);  // must return at once, never block on the FIFO
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().path == path);
    CHECK(r.error().message.find(what) != std::string::npos);
  }
  ::close(sock);
  auto k = root.kind("/fifo-link");
  REQUIRE(k.has_value());
  CHECK(*k == FileKind::Other);
}

TEST_CASE("root_dir: files are capped at 1 MiB") {
  Fixture f;
  f.tmp.write("root/exact", std::string(kMaxFileSize, 'a'));
  f.tmp.write("root/big", std::string(kMaxFileSize + 1, 'a'));
  auto root = f.root();
  auto exact = root.read_file("/exact");
  REQUIRE(exact.has_value());
  CHECK(exact->size() == kMaxFileSize);
  auto big = root.read_file("/big");
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().path == "/big");
  CHECK(big.error().message.find("larger") != std::string::npos);
  auto small_cap = root.read_file("/etc/passwd", 4);
  CHECK_FALSE(small_cap.has_value());
}

TEST_CASE("root_dir: /proc magic links are refused") {
  Fixture f;
  // With the real / as the root, /proc is reachable: its magic links must still be refused.
  auto host = RootDir::open("/");
  REQUIRE(host.has_value());
  int canary_fd = ::open(f.canary_path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(canary_fd >= 0);
  std::string via_fd = "/proc/self/fd/" + std::to_string(canary_fd);
  auto r = host->read_file(via_fd);
  check_no_canary(r);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().errnum == ELOOP);
  std::string via_root = "/proc/self/root" + f.canary_path;
  auto r2 = host->read_file(via_root);
  check_no_canary(r2);
  CHECK_FALSE(r2.has_value());
  ::close(canary_fd);

  // Inside a temp root, an absolute /proc link lands on the root's own (absent) /proc.
  f.link("magic", "/proc/self/root/" + f.canary_path);
  auto root = f.root();
  check_no_canary(root.read_file("/magic"));
  CHECK_FALSE(root.read_file("/magic").has_value());
}

TEST_CASE("root_dir: list_dir sorts and reports entry kinds; missing dir is ENOENT") {
  Fixture f;
  f.tmp.write("root/d/b.container", "");
  f.tmp.mkdir("root/d/a.d");
  f.link("d/c.container", "/etc/passwd");
  f.link("d-link", "/d");
  auto root = f.root();
  auto entries = root.list_dir("/d-link");
  REQUIRE(entries.has_value());
  REQUIRE(entries->size() == 3);
  CHECK((*entries)[0].name == "a.d");
  CHECK((*entries)[0].kind == FileKind::Directory);
  CHECK((*entries)[1].kind == FileKind::Regular);
  CHECK((*entries)[2].name == "c.container");
  CHECK((*entries)[2].kind == FileKind::Symlink);
  auto missing = root.list_dir("/nope");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().errnum == ENOENT);
  auto file = root.list_dir("/etc/passwd");
  REQUIRE_FALSE(file.has_value());
  CHECK(file.error().errnum == ENOTDIR);
}

TEST_CASE("root_dir: read_link reads the link itself, its parent resolved in the root") {
  Fixture f;
  f.link("usr/lib/bound/web.container", "/usr/share/web.container");
  f.tmp.symlink("root/bound-escape", (f.tmp / "outside").string());
  f.tmp.symlink("outside/evil.container", "/evil");
  auto root = f.root();
  auto t = root.read_link("/usr/lib/bound/web.container");
  REQUIRE(t.has_value());
  CHECK(*t == "/usr/share/web.container");
  auto not_link = root.read_link("/etc/passwd");
  REQUIRE_FALSE(not_link.has_value());
  CHECK(not_link.error().path == "/etc/passwd");
  // The parent is an absolute link to the host's outside/: confined, so no such link.
  CHECK_FALSE(root.read_link("/bound-escape/evil.container").has_value());

  auto dir = root.open_dir("/usr/lib/bound");
  REQUIRE(dir.has_value());
  auto t2 = dir->read_link("web.container");
  REQUIRE(t2.has_value());
  CHECK(*t2 == "/usr/share/web.container");
  auto bad = dir->read_link("../bound/web.container");
  REQUIRE_FALSE(bad.has_value());
  auto absent = dir->read_link("absent.container");
  REQUIRE_FALSE(absent.has_value());
  CHECK(absent.error().path == "/usr/lib/bound/absent.container");
}

TEST_CASE("root_dir: kind follows links inside the root") {
  Fixture f;
  f.link("etc/lib", "/usr/lib");
  auto root = f.root();
  CHECK(root.kind("/etc/lib").value() == FileKind::Directory);
  CHECK(root.kind("/etc/passwd").value() == FileKind::Regular);
  CHECK(root.kind("/nope").error().errnum == ENOENT);
}

TEST_CASE("root_dir: open and adopt") {
  Fixture f;
  auto bad = RootDir::open((f.tmp / "no-such-root").string());
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().path.find("no-such-root") != std::string::npos);
  auto file_root = RootDir::open((f.tmp / "root/etc/passwd").string());
  CHECK_FALSE(file_root.has_value());

  int fd = ::open(f.root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto adopted = RootDir::adopt(rootpin::util::Fd(fd), "deploy/abc.0");
  REQUIRE(adopted.has_value());
  CHECK(adopted->display_name() == "deploy/abc.0");
  CHECK(adopted->read_file("/etc/passwd").value() == "root-passwd");
}

TEST_CASE("root_dir: a kernel without openat2 is a clear error, never a fallback") {
  Fixture f;
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Make openat2 fail with ENOSYS in this child only, as an old kernel would.
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
      ::_exit(3);
    }
    auto r = RootDir::open(f.root_path);
    if (r.has_value()) ::_exit(4);
    bool clear = r.error().errnum == ENOSYS &&
                 r.error().message.find("openat2") != std::string::npos &&
                 r.error().message.find("refusing") != std::string::npos;
    ::_exit(clear ? 0 : 5);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("root_dir: reads from the directory held open resolve as from the root") {
  Fixture f;
  f.tmp.write("root/usr/share/u/a.container", "a");
  f.link("usr/share/u/abs.container", "/etc/passwd");
  f.link("usr/share/u/esc.container", "../../../../outside/passwd");
  f.link("usr/share/u/dir", "/usr/lib");
  REQUIRE(::mkfifo((f.tmp / "root/usr/share/u/fifo.container").c_str(), 0644) == 0);
  auto root = f.root();
  // a.container puts /usr/share/u in the cache; each link after it must still resolve in
  // the root, never beneath the cached directory, and never outside.
  REQUIRE(root.read_file("/usr/share/u/a.container") == std::string("a"));
  CHECK(root.read_file("/usr/share/u/abs.container") == std::string("root-passwd"));
  REQUIRE(root.read_file("/usr/share/u/a.container").has_value());
  auto esc = root.read_file("/usr/share/u/esc.container");
  check_no_canary(esc);
  CHECK_FALSE(esc.has_value());
  CHECK(root.read_file("/usr/share/u/dir/x.conf") == std::string("x"));
  CHECK(root.read_file("/usr/share/u/../u/a.container") == std::string("a"));
  auto fifo = root.read_file("/usr/share/u/fifo.container");
  REQUIRE_FALSE(fifo.has_value());
  CHECK(fifo.error().message.find("FIFO") != std::string::npos);
  // The directory held open is replaced: a file of the same name there now is read.
  REQUIRE(root.read_file("/usr/lib/x.conf") == std::string("x"));
  f.tmp.write("root/usr/share/u/a.container", "a2");
  CHECK(root.read_file("/usr/share/u/a.container") == std::string("a2"));
}
