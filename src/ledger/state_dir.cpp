#include "src/ledger/state_dir.hpp"

#include "base/atomic_file.hpp"
#include "base/errno_error.hpp"
#include "base/time.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace rootpin::ledger {
namespace {

using util::errno_error;
using util::Error;
using util::Fd;

constexpr const char* kPrevTempName = "ledger.json.prev.tmp";
constexpr const char* kTempPrefix = ".ledger.json.tmp-";
// Far above any real ledger (thousands of roots); a bigger file is damage, not data.
constexpr off_t kMaxLedgerBytes = 64 << 20;
// load() restarts when a writer replaces the file between our read and the move aside.
constexpr int kLoadAttempts = 3;

std::string join(const std::string& dir, const std::string& name) { return dir + "/" + name; }

// mkdir -p for the parents, then the directory itself 0700.
void create_dir(const std::string& path) {
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string parent = path.substr(0, slash);
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
      throw errno_error("create directory", parent);
    }
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    throw errno_error("create state directory", path);
  }
}

void check_dir_safe(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw errno_error("stat", path);
  }
  if (st.st_uid != ::geteuid()) {
    throw Error::format("refusing state directory {}: owned by uid {}, not by uid {}", path,
                        st.st_uid, ::geteuid());
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    throw Error::format("refusing state directory {}: writable by group or others (mode {:04o})",
                        path, st.st_mode & 07777);
  }
}

enum class Presence { Missing, Present };

struct FileContent {
  Presence presence = Presence::Missing;
  std::string text;
  dev_t dev = 0;
  ino_t ino = 0;
};

// Reads a regular file in the state dir, never through a symlink.
FileContent read_file(int dirfd, const std::string& dir, const char* name) {
  std::string shown = join(dir, name);
  Fd fd(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      return {};
    }
    if (errno == ELOOP) {
      throw Error::format("refusing to read {}: it is a symlink", shown);
    }
    throw errno_error("open", shown);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    throw errno_error("stat", shown);
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error::format("refusing to read {}: not a regular file", shown);
  }
  if (st.st_size > kMaxLedgerBytes) {
    throw Error::format("refusing to read {}: {} bytes is more than a ledger can be", shown,
                        st.st_size);
  }
  FileContent out{Presence::Present, {}, st.st_dev, st.st_ino};
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw errno_error("read", shown);
    }
    if (n == 0) {
      break;
    }
    out.text.append(buf, static_cast<std::size_t>(n));
    if (out.text.size() > static_cast<std::size_t>(kMaxLedgerBytes)) {
      throw Error::format("refusing to read {}: it keeps growing", shown);
    }
  }
  return out;
}

// What lstat says is at `name`: nullopt when nothing.
std::optional<mode_t> entry_type(int dirfd, const char* name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return std::nullopt;
    }
    throw errno_error("stat", shown);
  }
  return st.st_mode & S_IFMT;
}

void refuse_non_regular(int dirfd, const std::string& dir, const char* name) {
  std::string shown = join(dir, name);
  auto type = entry_type(dirfd, name, shown);
  if (type == S_IFLNK) {
    throw Error::format("refusing to replace {}: it is a symlink", shown);
  }
  if (type && *type != S_IFREG) {
    throw Error::format("refusing to replace {}: not a regular file", shown);
  }
}

enum class MoveResult { Moved, Replaced, Failed };

struct MoveAside {
  MoveResult result;
  std::string detail;  // the new name, or why it failed
};

// Renames the file we read (dev/ino) to "<name>.corrupt-<UTC time>", never over anything.
MoveAside move_aside(int dirfd, const std::string& dir, const char* name, const FileContent& read) {
  struct stat st {};
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != read.dev ||
      st.st_ino != read.ino) {
    return {MoveResult::Replaced, {}};  // a writer replaced it meanwhile: read again
  }
  std::string stamp = util::now_rfc3339();
  for (int n = 1; n < 100; ++n) {
    std::string aside = n == 1 ? fmt::format("{}.corrupt-{}", name, stamp)
                               : fmt::format("{}.corrupt-{}-{}", name, stamp, n);
    if (::renameat2(dirfd, name, dirfd, aside.c_str(), RENAME_NOREPLACE) == 0) {
      return {MoveResult::Moved, join(dir, aside)};
    }
    if (errno != EEXIST) {
      return {MoveResult::Failed, std::strerror(errno)};
    }
  }
  return {MoveResult::Failed, "too many files moved aside this second"};
}

// Temps left by a crashed writer; only called under the writer lock, so none is live.
void remove_stale_temps(int dirfd) {
  Fd dup(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0));
  DIR* d = dup ? ::fdopendir(dup.get()) : nullptr;
  if (d == nullptr) {
    return;  // only housekeeping: a failure here must not fail the save
  }
  dup.release();
  ::rewinddir(d);
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(d)) {
    if (std::strncmp(e->d_name, kTempPrefix, std::strlen(kTempPrefix)) == 0) {
      stale.emplace_back(e->d_name);
    }
  }
  ::closedir(d);
  for (const auto& name : stale) {
    ::unlinkat(dirfd, name.c_str(), 0);
  }
}

// load()'s fallback when ledger.json is missing or unusable: the previous generation, or an
// empty ledger when there is none or it is corrupt too.
StateDir::Loaded from_previous(int dirfd, const std::string& dir, StateDir::Loaded out,
                               Presence current_presence, bool may_move) {
  const std::string current = join(dir, StateDir::kLedgerName);
  const std::string previous = join(dir, StateDir::kPrevName);
  FileContent prev = read_file(dirfd, dir, StateDir::kPrevName);
  if (prev.presence == Presence::Missing) {
    if (current_presence == Presence::Present) {
      out.recovered = true;
      out.warnings.push_back(fmt::format(
          "no previous generation {}: starting from an empty ledger; admin pins are lost and "
          "roots will be rebuilt by rescanning the live deployments",
          previous));
    }
    return out;
  }
  out.recovered = true;
  auto parsed = parse_ledger_detailed(prev.text);
  if (parsed) {
    out.ledger = std::move(*parsed);
    out.warnings.push_back(fmt::format(
        "{} {}; using the previous generation {}; roots will be rebuilt by rescanning the live "
        "deployments",
        current, current_presence == Presence::Present ? "was unusable" : "is missing", previous));
    return out;
  }
  if (parsed.error().kind == ParseError::Kind::FutureVersion) {
    throw Error::format("{}: {}", previous, parsed.error().message);
  }
  MoveAside moved = may_move ? move_aside(dirfd, dir, StateDir::kPrevName, prev)
                             : MoveAside{MoveResult::Failed, ""};
  out.warnings.push_back(fmt::format(
      "previous generation {} is corrupt too ({}){}; starting from an empty ledger; admin pins "
      "are lost and roots will be rebuilt by rescanning the live deployments",
      previous, parsed.error().message,
      moved.result == MoveResult::Moved ? "; moved it aside to " + moved.detail : ""));
  return out;
}

}  // namespace

StateDir StateDir::open(const std::string& path, Create create) {
  if (path.empty()) {
    throw Error("the state directory path is empty");
  }
  std::string clean =
      path.size() > 1 && path.back() == '/' ? path.substr(0, path.size() - 1) : path;
  if (create == Create::IfMissing) {
    create_dir(clean);
  }
  Fd fd(::open(clean.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    struct stat st {};
    if ((err == ENOTDIR || err == ELOOP) && ::lstat(clean.c_str(), &st) == 0 &&
        S_ISLNK(st.st_mode)) {
      throw Error::format("refusing state directory {}: it is a symlink", clean);
    }
    throw errno_error("open state directory", clean, err);
  }
  check_dir_safe(fd.get(), clean);
  return StateDir(std::move(fd), clean);
}

std::optional<StateDir> StateDir::open_if_exists(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
    return std::nullopt;
  }
  return open(path, Create::Never);
}

util::DirLock StateDir::lock_writer(std::chrono::milliseconds timeout,
                                    const util::DirLock::WaitNotice& on_wait) {
  return util::DirLock::acquire(fd_.get(), path_, timeout, on_wait);
}

StateDir::Loaded StateDir::load(const util::DirLock* writer) {
  if (writer != nullptr && !writer->covers(fd_.get())) {
    throw Error::format("internal error: loading {} as its writer without its lock", ledger_path());
  }
  const bool may_move = writer != nullptr;
  const std::string current = ledger_path();
  for (int attempt = 0; attempt < kLoadAttempts; ++attempt) {
    Loaded out;
    FileContent file = read_file(fd_.get(), path_, kLedgerName);
    if (file.presence == Presence::Present) {
      auto parsed = parse_ledger_detailed(file.text);
      if (parsed) {
        out.ledger = std::move(*parsed);
        return out;
      }
      if (parsed.error().kind == ParseError::Kind::FutureVersion) {
        throw Error::format("{}: {}", current, parsed.error().message);
      }
      if (!may_move) {
        out.warnings.push_back(
            fmt::format("ledger {} is corrupt ({}); left in place for the next rootpin that writes",
                        current, parsed.error().message));
      }
      MoveAside moved = may_move ? move_aside(fd_.get(), path_, kLedgerName, file)
                                 : MoveAside{MoveResult::Failed, ""};
      if (moved.result == MoveResult::Replaced) {
        continue;
      }
      if (may_move) {
        out.warnings.push_back(
            moved.result == MoveResult::Moved
                ? fmt::format("ledger {} is corrupt ({}); moved it aside to {}", current,
                              parsed.error().message, moved.detail)
                : fmt::format("ledger {} is corrupt ({}); could not move it aside: {}", current,
                              parsed.error().message, moved.detail));
      }
    }
    return from_previous(fd_.get(), path_, std::move(out), file.presence, may_move);
  }
  throw Error::format("cannot load {}: it keeps changing while being read", current);
}

std::optional<std::string> StateDir::save(const Ledger& ledger, const util::DirLock& lock) {
  if (!lock.covers(fd_.get())) {
    throw Error::format("internal error: saving {} without holding its writer lock", ledger_path());
  }
  refuse_non_regular(fd_.get(), path_, kLedgerName);
  refuse_non_regular(fd_.get(), path_, kPrevName);
  remove_stale_temps(fd_.get());

  try {
    auto committed = write_ledger(ledger);
    if (!committed.durable) {
      return committed.problem;
    }
    return std::nullopt;
  } catch (const Error& e) {
    // The cause names the temp file or the directory; say which file was being saved.
    throw e.with_context("saving " + ledger_path());
  }
}

util::AtomicFile::Committed StateDir::write_ledger(const Ledger& ledger) {
  util::AtomicFile file(fd_.get(), kLedgerName, 0600, path_);
  file.write(serialize_ledger(ledger));
  return file.commit([this](int dirfd) {
    // Keep the generation being replaced as .prev. Both steps are atomic renames/links, so
    // ledger.json stays the old, complete file until the commit's own rename.
    if (!entry_type(dirfd, kLedgerName, ledger_path())) {
      return;  // first save, or the corrupt one was moved aside: nothing to keep
    }
    const std::string prev_tmp = join(path_, kPrevTempName);
    if (::unlinkat(dirfd, kPrevTempName, 0) != 0 && errno != ENOENT) {
      throw errno_error("remove", prev_tmp);
    }
    if (::linkat(dirfd, kLedgerName, dirfd, kPrevTempName, 0) != 0) {
      throw errno_error("link " + ledger_path() + " to", prev_tmp);
    }
    if (::renameat(dirfd, kPrevTempName, dirfd, kPrevName) != 0) {
      int err = errno;
      ::unlinkat(dirfd, kPrevTempName, 0);
      throw errno_error("rename " + prev_tmp + " to", join(path_, kPrevName), err);
    }
  });
}

}  // namespace rootpin::ledger
