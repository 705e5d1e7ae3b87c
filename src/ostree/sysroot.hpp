#pragma once
// An ostree sysroot (the booted "/" or a directory holding ostree/deploy and ostree/repo)
// behind a small API: its deployments, a deployment's directory as a dirfd for
// quadlet-scan's RootDir, the sysroot lock, pulling and deploying an update, and undoing
// a deployment. Errors are util::Error; GError never leaves src/ostree/.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "src/ostree/commit_checkout.hpp"
#include "src/ostree/deployment.hpp"
#include "src/ostree/gobject_ptr.hpp"
#include "src/ostree/sysroot_lock.hpp"

struct OstreeSysroot;

namespace rootpin::ostree {

// A commit an origin's ref points at on its remote that the sysroot does not run yet.
struct Update {
  std::string refspec;
  std::string checksum;
  std::string version;
};

class Sysroot {
public:
  // Loads the sysroot at path ("/" for the running system). A directory that is not an
  // ostree sysroot is an Error naming it.
  static Sysroot load(const std::string& path);

  Sysroot(Sysroot&&) noexcept = default;
  Sysroot& operator=(Sysroot&&) noexcept = default;
  ~Sysroot();

  const std::string& path() const { return path_; }
  // True when this sysroot is the one the running system booted from.
  bool is_booted() const;
  // All deployments on disk in ostree's boot order (a staged one first).
  std::vector<Deployment> deployments() const;
  // The deployment with this index, or an Error listing how many there are.
  Deployment deployment(int index) const;
  std::optional<Deployment> booted() const;
  std::optional<Deployment> staged() const;
  // The deployment whose /etc changes a new deployment of osname inherits when ostree
  // finalizes it (ostree_sysroot_get_merge_deployment, as `ostree admin deploy`,
  // rpm-ostree and bootc pass it): the booted one when it runs osname, else osname's
  // first. nullopt when there is none.
  std::optional<Deployment> merge_deployment(const std::string& osname) const;
  // The osname an upgrade works on: the booted deployment's, or on a sysroot that is not
  // booted, deployment 0's. An Error if there is no deployment at all.
  std::string default_osname() const;

  // The deployment's root directory, opened O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC relative to
  // the sysroot's own fd.
  util::Fd deployment_dirfd(const Deployment& deployment) const;

  // Takes ostree's sysroot lock, waiting at most `wait` for another holder.
  SysrootLock lock(std::chrono::milliseconds wait = std::chrono::seconds(30));

  // Pulls osname's origin and says whether it names a new commit. The whole commit is
  // pulled into the repo (ostree's object store: harmless, deploys nothing, and the later
  // upgrade does not fetch it again) so that check_out() can read its tree.
  std::optional<Update> check_for_update(const std::string& osname);
  // The commit's tree in a private temp dir under the repo's tmp/, removed with the result.
  CommitCheckout check_out(const std::string& checksum);
  // Pulls osname's origin and deploys the new commit: staged on a booted system, written
  // as the pending deployment (index 0, the previous default kept as rollback) otherwise.
  // nullopt when the origin has no new commit. The caller holds lock().
  std::optional<Deployment> pull_and_deploy(const std::string& osname);
  // Removes a staged or pending deployment again (after a failed bind) and cleans up.
  // The caller holds lock().
  void undo(const Deployment& deployment);

  // Re-reads the deployment list from disk.
  void reload();

private:
  Sysroot(std::string path, GObjectPtr<OstreeSysroot> sysroot);

  std::string path_;
  GObjectPtr<OstreeSysroot> sysroot_;
};

}  // namespace rootpin::ostree
