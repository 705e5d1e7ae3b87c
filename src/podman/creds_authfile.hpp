#pragma once
// Creds=USER:PASSWORD for one pull, without the password in podman's argv.
//
// `podman pull --creds=USER:PASSWORD` would show the password to every local user for the
// whole pull (/proc/PID/cmdline, ps). Instead the credentials go into a containers-auth.json
// of their own (0600, O_EXCL|O_NOFOLLOW, in a fresh 0700 directory under $TMPDIR or /tmp),
// which the pull reads through --authfile and which is removed when the pull ends. Podman
// gives --creds precedence over any auth file, so using this file instead of the unit's
// AuthFile= for the pull asks the registry exactly what --creds would have.

#include <optional>
#include <string>

namespace rootpin::podman {

class CredsAuthFile {
public:
  // nullopt when there is nothing to hide (no ':', so no password) or no registry to key
  // the entry by (a short name, which podman resolves itself: --creds stays). Throws
  // util::Error when the file cannot be written (naming it, never its content).
  static std::optional<CredsAuthFile> create(const std::string& reference,
                                             const std::string& creds);

  CredsAuthFile(CredsAuthFile&& other) noexcept;
  CredsAuthFile& operator=(CredsAuthFile&& other) noexcept;
  CredsAuthFile(const CredsAuthFile&) = delete;
  CredsAuthFile& operator=(const CredsAuthFile&) = delete;
  ~CredsAuthFile();

  const std::string& path() const { return path_; }

private:
  explicit CredsAuthFile(std::string dir) : dir_(std::move(dir)), path_(dir_ + "/auth.json") {}
  void remove() noexcept;

  std::string dir_;
  std::string path_;
};

}  // namespace rootpin::podman
