#pragma once
// Replace a file so that a reader, or the file system after a crash, sees either the whole
// old content or the whole new content, never a mix.
//
// The data goes to a temp file created with O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC in the target's
// directory (so the rename stays on one file system); nothing reaches the target path until
// commit(): fsync(file), rename over the target, fsync(directory). That is one file fsync and
// one directory fsync per write. Destroying an uncommitted AtomicFile removes the temp.
// Every failure (ENOSPC, EIO, EROFS, ...) throws util::Error naming the path and the reason,
// and leaves the old target untouched.

#include "base/fd.hpp"

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

namespace rootpin::util {

class AtomicFile {
public:
  // Opens the parent directory of `path` itself.
  AtomicFile(const std::string& path, mode_t mode);
  // Writes `name` inside an already open directory (the fd is duplicated, not taken);
  // `dir_display` is how that directory is named in messages.
  AtomicFile(int dirfd, std::string name, mode_t mode, std::string dir_display);

  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  ~AtomicFile();

  void write(std::string_view data);

  // Runs after the data is durable and right before the rename, with the directory fd:
  // the place for a step that must happen-before the new content appears (StateDir keeps
  // the previous generation there). Throwing from it aborts the commit.
  using BeforeRename = std::function<void(int dirfd)>;
  // Once the rename is done the new content is saved: a failing fsync of the directory
  // after it no longer throws (the caller would undo saved work), it is reported here:
  // saved, but maybe not durable across a power cut.
  struct Committed {
    bool durable = true;
    std::string problem;  // why not durable ("" when durable)
  };
  Committed commit(const BeforeRename& before_rename = {});

  const std::string& target_path() const { return target_path_; }
  std::string temp_path() const;

private:
  void create_temp(mode_t mode);
  void discard() noexcept;

  util::Fd dir_;
  util::Fd file_;
  std::string dir_display_;
  std::string name_;
  std::string target_path_;
  std::string temp_name_;  // empty once committed or discarded
};

}  // namespace rootpin::util
