#pragma once
// The only code of quadlet-scan that touches the filesystem: a directory fd opened as a
// root, every path resolved inside it with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
// Absolute symlinks and ".." resolve inside the root; nothing outside is ever read.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/fd.hpp"
#include "quadlet-scan/error.hpp"

namespace quadlet_scan {

using Fd = rootpin::util::Fd;

inline constexpr std::size_t kMaxFileSize = 1024 * 1024;

enum class FileKind { Regular, Directory, Symlink, Other };

struct DirEntry {
  std::string name;
  FileKind kind;  // of the entry itself (lstat), not of a symlink's target
};

// What lstat says of an entry (a symlink itself, never its target).
struct EntryStat {
  FileKind kind = FileKind::Other;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

// Whether symlinks on the way to a path are followed (inside the root) or refused (ELOOP).
enum class Symlinks { Follow, Refuse };

class EtcOverlay;

class RootDir {
public:
  // Opens path as a root. Fails with a clear message if the kernel lacks openat2.
  static std::expected<RootDir, Error> open(const std::string& path);
  // Adopts an already-open directory fd (e.g. an ostree deployment's).
  static std::expected<RootDir, Error> adopt(Fd dirfd, std::string display_name);

  // Reads a regular file (O_NONBLOCK, then fstat) of at most max_size bytes, following
  // symlinks inside the root. Directories, FIFOs, devices, sockets, loops, missing
  // targets and over-long files are errors naming the path. Content is not validated.
  std::expected<std::string, Error> read_file(std::string_view path,
                                              std::size_t max_size = kMaxFileSize,
                                              Symlinks symlinks = Symlinks::Follow) const;
  // The entries of a directory (following symlinks to it inside the root), sorted by name.
  // A missing directory is an Error with errnum == ENOENT.
  std::expected<std::vector<DirEntry>, Error> list_dir(std::string_view path) const;
  // The target of the symlink at path (its parent resolved inside the root).
  std::expected<std::string, Error> read_link(std::string_view path) const;
  // Kind of path after following symlinks inside the root (Error on ENOENT, ELOOP, ...).
  std::expected<FileKind, Error> kind(std::string_view path) const;
  // Resolves path inside the root to its canonical absolute form ("/usr/share/x"),
  // following symlinks, or an Error.
  std::expected<std::string, Error> resolve(std::string_view path) const;
  // lstat of path, no symlink followed on the way; and of every entry of a directory
  // (sorted by name), for listing a tree as ostree's /etc merge sees it.
  std::expected<EntryStat, Error> lstat(std::string_view path) const;
  std::expected<std::vector<std::pair<DirEntry, EntryStat>>, Error> list_dir_stat(
      std::string_view path) const;

  // From now on the paths under /etc read as a staged ostree deployment's /etc will be
  // once ostree finalizes it: `from`'s /etc changes (against its /usr/etc) merged over
  // this root's /etc (or /usr/etc when it has none yet). See etc_overlay.hpp.
  std::expected<void, Error> inherit_etc_from(RootDir from);
  const EtcOverlay* etc_overlay() const { return overlay_.get(); }

  // A directory of the root held open, so that many of its symlinks can be read without
  // resolving the directory again for each (bound-images.d holds thousands of links).
  class OpenDir {
  public:
    // The target of the symlink `name` (a single path component) in this directory.
    std::expected<std::string, Error> read_link(std::string_view name) const;
    const std::string& path() const { return path_; }

  private:
    friend class RootDir;
    OpenDir(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
    Fd fd_;
    std::string path_;
  };
  std::expected<OpenDir, Error> open_dir(std::string_view path) const;

  int fd() const { return fd_.get(); }
  const std::string& display_name() const { return display_name_; }

private:
  RootDir(Fd fd, std::string display_name);
  static std::expected<std::string, Error> read_link_at(int dirfd, std::string_view name,
                                                        std::string_view display_path);
  std::expected<Fd, Error> open_for_read(std::string_view path, Symlinks symlinks) const;

  // The directory of the last file read, held open: a search path's units are read one
  // after another from the same directory (see open_for_read).
  struct ParentCache {
    std::mutex mutex;
    std::string path;
    Fd fd;
  };

  Fd fd_;
  std::string display_name_;
  std::unique_ptr<ParentCache> parent_cache_ = std::make_unique<ParentCache>();
  std::shared_ptr<const EtcOverlay> overlay_;  // shared: RootDir stays cheap to move
};

}  // namespace quadlet_scan
