#include "quadlet-scan/root_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "quadlet-scan/etc_overlay.hpp"

namespace quadlet_scan {

namespace {

// Every lookup is confined to the root: ".." and absolute symlinks stop at the root,
// and /proc magic links (which could jump anywhere) are refused.
constexpr std::uint64_t kResolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

// The kernel returns EAGAIN when a ".." lookup races with a rename or mount; retrying is
// what it asks for. Bounded so a hostile writer cannot keep us spinning.
constexpr int kEagainRetries = 16;

std::string errno_text(int errnum) {
  switch (errnum) {
    case ENOENT: return "no such file (or a dangling symlink)";
    case ELOOP: return "too many levels of symbolic links (a loop, or a /proc magic link)";
    case ENOTDIR: return "a path component is not a directory";
    case EXDEV: return "path escapes the root";
    default: return std::strerror(errnum);
  }
}

Error make_error(std::string_view path, std::string message, int errnum = 0) {
  return Error{std::move(message), std::string(path), 0, errnum};
}

Error errno_error(std::string_view path, std::string_view what, int errnum) {
  return make_error(path, fmt::format("{}: {}", what, errno_text(errnum)), errnum);
}

Error no_openat2_error() {
  return Error{
      "kernel lacks openat2 (Linux >= 5.6 needed); refusing to fall back to unsafe path "
      "resolution",
      "", 0, ENOSYS};
}

// openat2() confined to dirfd. Returns the fd or -errno.
int openat2_in(int dirfd, std::string_view path, std::uint64_t flags, Symlinks symlinks) {
  std::string p(path.empty() ? std::string_view(".") : path);
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = kResolve | (symlinks == Symlinks::Refuse ? RESOLVE_NO_SYMLINKS : 0);
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(SYS_openat2, dirfd, p.c_str(), &how, sizeof how);
    if (fd >= 0) {
      return static_cast<int>(fd);
    }
    if (errno == EAGAIN && attempt < kEagainRetries) {
      continue;
    }
    return -errno;
  }
}

std::expected<Fd, Error> open_in(int dirfd, std::string_view path, std::uint64_t flags,
                                 std::string_view what, Symlinks symlinks = Symlinks::Follow) {
  int fd = openat2_in(dirfd, path, flags, symlinks);
  if (fd == -ENOSYS) {
    return std::unexpected(no_openat2_error());
  }
  if (fd < 0) {
    return std::unexpected(errno_error(path, what, -fd));
  }
  return Fd(fd);
}

FileKind kind_of_mode(mode_t mode) {
  if (S_ISREG(mode)) return FileKind::Regular;
  if (S_ISDIR(mode)) return FileKind::Directory;
  if (S_ISLNK(mode)) return FileKind::Symlink;
  return FileKind::Other;
}

EntryStat entry_stat(const struct stat& st) {
  return EntryStat{kind_of_mode(st.st_mode), static_cast<std::uint32_t>(st.st_mode),
                   static_cast<std::uint32_t>(st.st_uid), static_cast<std::uint32_t>(st.st_gid)};
}

std::string_view describe_mode(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::optional<FileKind> kind_of_dirent(unsigned char type) {
  switch (type) {
    case DT_REG: return FileKind::Regular;
    case DT_DIR: return FileKind::Directory;
    case DT_LNK: return FileKind::Symlink;
    case DT_UNKNOWN: return std::nullopt;
    default: return FileKind::Other;
  }
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// Splits "/a/b/c/" into parent "/a/b" and name "c". The name is "" for "/" or "".
std::pair<std::string_view, std::string_view> split_last(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    return {".", path};
  }
  std::string_view parent = path.substr(0, slash);
  return {parent.empty() ? std::string_view("/") : parent, path.substr(slash + 1)};
}

std::expected<std::string, Error> fd_path(int fd, std::string_view what_path) {
  std::string proc = fmt::format("/proc/self/fd/{}", fd);
  std::string buf(4096, '\0');
  ssize_t n = ::readlink(proc.c_str(), buf.data(), buf.size());
  if (n < 0) {
    return std::unexpected(errno_error(what_path, "cannot resolve (is /proc mounted?)", errno));
  }
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

}  // namespace

RootDir::RootDir(Fd fd, std::string display_name)
    : fd_(std::move(fd)), display_name_(std::move(display_name)) {}

std::expected<RootDir, Error> RootDir::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return std::unexpected(
        Error{fmt::format("cannot open root: {}", std::strerror(err)), path, 0, err});
  }
  return adopt(Fd(fd), path);
}

std::expected<RootDir, Error> RootDir::adopt(Fd dirfd, std::string display_name) {
  // Probe once so a kernel without openat2 fails here, clearly, before any scanning.
  auto probe = open_in(dirfd.get(), ".", O_PATH | O_DIRECTORY, "cannot open root");
  if (!probe) {
    Error e = std::move(probe.error());
    e.path = display_name;
    return std::unexpected(std::move(e));
  }
  return RootDir(std::move(dirfd), std::move(display_name));
}

std::expected<std::string, Error> RootDir::read_file(std::string_view path, std::size_t max_size,
                                                     Symlinks symlinks) const {
  if (overlay_ && EtcOverlay::covers(path)) return overlay_->read_file(path, max_size);
  auto fd = open_for_read(path, symlinks);
  if (!fd) {
    return std::unexpected(std::move(fd.error()));
  }
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) {
    return std::unexpected(errno_error(path, "cannot stat", errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return std::unexpected(
        make_error(path, fmt::format("not a regular file: {}", describe_mode(st.st_mode))));
  }
  auto too_large = [&] {
    return make_error(path, fmt::format("file is larger than {} bytes", max_size), EFBIG);
  };
  if (static_cast<std::uintmax_t>(st.st_size) > max_size) {
    return std::unexpected(too_large());
  }
  // One read usually does it: a short read of a regular file means end of file. Ask for
  // one byte more than fstat said so a file that grew meanwhile is noticed.
  std::string data;
  std::size_t want = static_cast<std::size_t>(st.st_size) + 1;
  std::size_t got = 0;
  while (true) {
    data.resize(got + want);
    ssize_t n = ::read(fd->get(), data.data() + got, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(errno_error(path, "cannot read", errno));
    }
    got += static_cast<std::size_t>(n);
    if (got > max_size) {
      return std::unexpected(too_large());
    }
    if (static_cast<std::size_t>(n) < want) {
      break;
    }
    want = std::min(std::size_t{64} * 1024, max_size + 1 - got);
  }
  data.resize(got);
  return data;
}

// O_NONBLOCK: opening a FIFO must not wait for a writer. O_NOCTTY: a tty in a hostile
// root must not become our controlling terminal. The caller checks the type right after.
std::expected<Fd, Error> RootDir::open_for_read(std::string_view path, Symlinks symlinks) const {
  constexpr std::uint64_t kFlags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
  auto [parent, name] = split_last(path);
  // A plain name in the directory of the previous read is opened beneath that directory,
  // which was resolved inside the root: the kernel walks one component instead of the
  // whole path (tools/bench scan: 10,000 units in one directory). RESOLVE_BENEATH and
  // RESOLVE_NO_SYMLINKS keep it to that one name; anything else, a symlink or a failure,
  // takes the full walk from the root below, which also gives the error.
  if (symlinks == Symlinks::Follow && path.starts_with('/') && !path.ends_with('/') &&
      !name.empty() && name != "." && name != "..") {
    std::lock_guard lock(parent_cache_->mutex);
    if (parent_cache_->path != parent || !parent_cache_->fd) {
      auto dir = open_in(fd_.get(), parent, O_PATH | O_DIRECTORY, "cannot open directory");
      parent_cache_->fd = dir ? std::move(*dir) : Fd();
      parent_cache_->path = parent;
    }
    if (parent_cache_->fd) {
      const std::string n(name);
      open_how how{};
      how.flags = kFlags | O_CLOEXEC;
      how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
      long fd = ::syscall(SYS_openat2, parent_cache_->fd.get(), n.c_str(), &how, sizeof how);
      if (fd >= 0) return Fd(static_cast<int>(fd));
    }
  }
  return open_in(fd_.get(), path, kFlags, "cannot open", symlinks);
}

std::expected<std::vector<DirEntry>, Error> RootDir::list_dir(std::string_view path) const {
  if (overlay_ && EtcOverlay::covers(path)) return overlay_->list_dir(path);
  auto fd = open_in(fd_.get(), path, O_RDONLY | O_DIRECTORY, "cannot open directory");
  if (!fd) {
    return std::unexpected(std::move(fd.error()));
  }
  int raw = fd->release();
  std::unique_ptr<DIR, DirCloser> dir(::fdopendir(raw));
  if (!dir) {
    int err = errno;
    ::close(raw);
    return std::unexpected(errno_error(path, "cannot read directory", err));
  }
  std::vector<DirEntry> entries;
  errno = 0;
  while (dirent* de = ::readdir(dir.get())) {
    std::string_view name = de->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    auto kind = kind_of_dirent(de->d_type);
    if (!kind) {
      // The name is a single component of a directory we hold open: no resolution risk.
      struct stat st {};
      if (::fstatat(::dirfd(dir.get()), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        continue;  // vanished meanwhile
      }
      kind = kind_of_mode(st.st_mode);
    }
    entries.push_back(DirEntry{std::string(name), *kind});
    errno = 0;
  }
  if (errno != 0) {
    return std::unexpected(errno_error(path, "cannot read directory", errno));
  }
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

std::expected<std::string, Error> RootDir::read_link(std::string_view path) const {
  if (overlay_ && EtcOverlay::covers(path)) return overlay_->read_link(path);
  auto [parent, name] = split_last(path);
  if (name.empty() || name == "." || name == "..") {
    return std::unexpected(make_error(path, "not a symbolic link", EINVAL));
  }
  auto dir = open_in(fd_.get(), parent, O_PATH | O_DIRECTORY, "cannot open directory");
  if (!dir) {
    Error e = std::move(dir.error());
    e.path = std::string(path);
    return std::unexpected(std::move(e));
  }
  return read_link_at(dir->get(), name, path);
}

std::expected<std::string, Error> RootDir::read_link_at(int dirfd, std::string_view name,
                                                        std::string_view display_path) {
  std::string n(name);
  std::string buf(256, '\0');
  while (true) {
    ssize_t len = ::readlinkat(dirfd, n.c_str(), buf.data(), buf.size());
    if (len < 0) {
      int err = errno;
      if (err == EINVAL) {
        return std::unexpected(make_error(display_path, "not a symbolic link", err));
      }
      return std::unexpected(errno_error(display_path, "cannot read link", err));
    }
    if (static_cast<std::size_t>(len) < buf.size()) {
      buf.resize(static_cast<std::size_t>(len));
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

std::expected<RootDir::OpenDir, Error> RootDir::open_dir(std::string_view path) const {
  auto fd = open_in(fd_.get(), path, O_PATH | O_DIRECTORY, "cannot open directory");
  if (!fd) {
    return std::unexpected(std::move(fd.error()));
  }
  return OpenDir(std::move(*fd), std::string(path));
}

std::expected<std::string, Error> RootDir::OpenDir::read_link(std::string_view name) const {
  std::string display = path_ == "/" ? fmt::format("/{}", name) : fmt::format("{}/{}", path_, name);
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..") {
    return std::unexpected(make_error(display, "not a single path component", EINVAL));
  }
  return read_link_at(fd_.get(), name, display);
}

std::expected<FileKind, Error> RootDir::kind(std::string_view path) const {
  if (overlay_ && EtcOverlay::covers(path)) return overlay_->kind(path);
  auto fd = open_in(fd_.get(), path, O_PATH, "cannot open");
  if (!fd) {
    return std::unexpected(std::move(fd.error()));
  }
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) {
    return std::unexpected(errno_error(path, "cannot stat", errno));
  }
  return kind_of_mode(st.st_mode);
}

std::expected<std::string, Error> RootDir::resolve(std::string_view path) const {
  if (overlay_ && EtcOverlay::covers(path)) return overlay_->resolve(path);
  auto fd = open_in(fd_.get(), path, O_PATH, "cannot resolve");
  if (!fd) {
    return std::unexpected(std::move(fd.error()));
  }
  // Both paths come from the kernel's view of the same mount namespace, so the root's own
  // path is a prefix of every path resolved inside it.
  auto root = fd_path(fd_.get(), path);
  auto target = fd_path(fd->get(), path);
  if (!root) return std::unexpected(std::move(root.error()));
  if (!target) return std::unexpected(std::move(target.error()));
  std::string_view prefix = *root == "/" ? std::string_view() : std::string_view(*root);
  std::string_view t = *target;
  if (!t.starts_with(prefix) || (t.size() > prefix.size() && t[prefix.size()] != '/')) {
    return std::unexpected(make_error(path, "resolved outside the root", EXDEV));
  }
  t.remove_prefix(prefix.size());
  return t.empty() ? std::string("/") : std::string(t);
}

std::expected<EntryStat, Error> RootDir::lstat(std::string_view path) const {
  auto fd = open_in(fd_.get(), path, O_PATH | O_NOFOLLOW, "cannot open", Symlinks::Refuse);
  if (!fd) {
    return std::unexpected(std::move(fd.error()));
  }
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) {
    return std::unexpected(errno_error(path, "cannot stat", errno));
  }
  return entry_stat(st);
}

std::expected<std::vector<std::pair<DirEntry, EntryStat>>, Error> RootDir::list_dir_stat(
    std::string_view path) const {
  auto dir =
      open_in(fd_.get(), path, O_PATH | O_DIRECTORY, "cannot open directory", Symlinks::Refuse);
  if (!dir) {
    return std::unexpected(std::move(dir.error()));
  }
  // Listed as a root of its own: the directory just opened, never an overlay's view.
  int dup = ::fcntl(dir->get(), F_DUPFD_CLOEXEC, 0);
  if (dup < 0) {
    return std::unexpected(errno_error(path, "cannot open directory", errno));
  }
  auto names = RootDir(Fd(dup), display_name_).list_dir(".");
  if (!names) {
    Error e = std::move(names.error());
    e.path = std::string(path);
    return std::unexpected(std::move(e));
  }
  std::vector<std::pair<DirEntry, EntryStat>> out;
  for (DirEntry& e : *names) {
    // A single component of a directory held open: no resolution risk.
    struct stat st {};
    if (::fstatat(dir->get(), e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    EntryStat stat = entry_stat(st);
    e.kind = stat.kind;
    out.emplace_back(std::move(e), stat);
  }
  return out;
}

std::expected<void, Error> RootDir::inherit_etc_from(RootDir from) {
  overlay_.reset();
  auto overlay = EtcOverlay::build(*this, std::move(from));
  if (!overlay) {
    return std::unexpected(std::move(overlay.error()));
  }
  overlay_ = std::make_shared<const EtcOverlay>(std::move(*overlay));
  return {};
}

}  // namespace quadlet_scan
