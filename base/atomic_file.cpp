#include "base/atomic_file.hpp"

#include "base/errno_error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstring>
#include <utility>

namespace rootpin::util {
namespace {

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == "/") {
    return dir + name;
  }
  return dir + "/" + name;
}

// Splits "a/b/c" into ("a/b", "c"); a bare name lives in ".".
std::pair<std::string, std::string> split_path(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) {
    return {".", path};
  }
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// How many differently named temps to try before giving up: a leftover from a crashed run
// with our pid is possible, a dozen of them is not.
constexpr int kTempAttempts = 16;

}  // namespace

AtomicFile::AtomicFile(const std::string& path, mode_t mode) {
  auto [dir, name] = split_path(path);
  if (name.empty()) {
    throw Error::format("cannot write {}: not a file name", path);
  }
  dir_ = util::Fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_) {
    throw errno_error("open directory", dir);
  }
  dir_display_ = dir;
  name_ = name;
  target_path_ = path;
  create_temp(mode);
}

AtomicFile::AtomicFile(int dirfd, std::string name, mode_t mode, std::string dir_display)
    : dir_display_(std::move(dir_display)), name_(std::move(name)) {
  target_path_ = join_path(dir_display_, name_);
  dir_ = util::Fd(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0));
  if (!dir_) {
    throw errno_error("use directory", dir_display_);
  }
  create_temp(mode);
}

void AtomicFile::create_temp(mode_t mode) {
  // Predictable per process on purpose: O_EXCL|O_NOFOLLOW makes a planted name harmless,
  // and a symlink sitting there is reported rather than silently stepped around.
  for (int attempt = 0; attempt < kTempAttempts; ++attempt) {
    std::string candidate = attempt == 0 ? fmt::format(".{}.tmp-{}", name_, ::getpid())
                                         : fmt::format(".{}.tmp-{}-{}", name_, ::getpid(), attempt);
    int fd = ::openat(dir_.get(), candidate.c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0) {
      file_ = util::Fd(fd);
      temp_name_ = candidate;  // a copy: the error below names it after discard() cleared it
      // The umask must not widen or narrow what the caller asked for (0600 stays 0600).
      if (::fchmod(file_.get(), mode) != 0) {
        int err = errno;
        discard();
        throw errno_error("set the mode of", join_path(dir_display_, candidate), err);
      }
      return;
    }
    int err = errno;
    std::string shown = join_path(dir_display_, candidate);
    if (err != EEXIST) {
      throw errno_error("create", shown, err);
    }
    struct stat st {};
    if (::fstatat(dir_.get(), candidate.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(st.st_mode)) {
      throw Error::format("refusing to write through the symlink at {}", shown);
    }
  }
  throw Error::format("cannot create a temp file for {}: too many leftover temp files",
                      target_path_);
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : dir_(std::move(other.dir_)),
      file_(std::move(other.file_)),
      dir_display_(std::move(other.dir_display_)),
      name_(std::move(other.name_)),
      target_path_(std::move(other.target_path_)),
      temp_name_(std::exchange(other.temp_name_, {})) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    dir_ = std::move(other.dir_);
    file_ = std::move(other.file_);
    dir_display_ = std::move(other.dir_display_);
    name_ = std::move(other.name_);
    target_path_ = std::move(other.target_path_);
    temp_name_ = std::exchange(other.temp_name_, {});
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() noexcept {
  file_.reset();
  if (!temp_name_.empty() && dir_) {
    ::unlinkat(dir_.get(), temp_name_.c_str(), 0);
  }
  temp_name_.clear();
}

std::string AtomicFile::temp_path() const { return join_path(dir_display_, temp_name_); }

void AtomicFile::write(std::string_view data) {
  if (!file_) {
    throw Error::format("cannot write {}: already committed", target_path_);
  }
  while (!data.empty()) {
    ssize_t n = ::write(file_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw errno_error("write", temp_path());
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

AtomicFile::Committed AtomicFile::commit(const BeforeRename& before_rename) {
  if (!file_) {
    throw Error::format("cannot commit {}: already committed", target_path_);
  }
  if (::fsync(file_.get()) != 0) {
    throw errno_error("sync", temp_path());
  }
  // close() can report a delayed write error (NFS); the data must be known good first.
  if (::close(file_.release()) != 0) {
    throw errno_error("close", temp_path());
  }
  if (before_rename) {
    before_rename(dir_.get());
  }
  if (::renameat(dir_.get(), temp_name_.c_str(), dir_.get(), name_.c_str()) != 0) {
    int err = errno;
    throw Error::format("cannot rename {} to {}: {}", temp_path(), target_path_,
                        std::strerror(err));
  }
  temp_name_.clear();  // it is the target now: nothing to clean up
  if (::fsync(dir_.get()) != 0) {
    return Committed{false, fmt::format("{} is saved, but syncing its directory {} failed ({}): "
                                        "it may not survive a power cut",
                                        target_path_, dir_display_, std::strerror(errno))};
  }
  return Committed{};
}

}  // namespace rootpin::util
