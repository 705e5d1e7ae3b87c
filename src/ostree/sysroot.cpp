#include "src/ostree/sysroot.hpp"

#include <fcntl.h>
#include <ostree.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "base/error.hpp"
#include "src/ostree/gerror.hpp"
#include "src/ostree/sysroot_internal.hpp"

namespace rootpin::ostree {
namespace {

bool is_directory_at(int dirfd, const char* relpath) {
  struct stat st {};
  return ::fstatat(dirfd, relpath, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

// libostree's own errors for a directory that is not a sysroot are vague ("No such file
// or directory"); say what is missing before asking it.
void require_sysroot_layout(const std::string& path) {
  util::Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    throw util::Error::format("cannot open sysroot {}: {}", path, std::strerror(errno));
  }
  for (const char* sub : {"ostree/repo", "ostree/deploy"}) {
    if (!is_directory_at(fd.get(), sub)) {
      throw util::Error::format("{} is not an ostree sysroot (no {} directory)", path, sub);
    }
  }
}

std::string origin_refspec(OstreeDeployment* deployment) {
  GKeyFile* origin = ostree_deployment_get_origin(deployment);  // owned by the deployment
  if (origin == nullptr) {
    return {};
  }
  g_autofree char* refspec = g_key_file_get_string(origin, "origin", "refspec", nullptr);
  return refspec != nullptr ? refspec : "";
}

}  // namespace

Sysroot::Sysroot(std::string path, GObjectPtr<OstreeSysroot> sysroot)
    : path_(std::move(path)), sysroot_(std::move(sysroot)) {}

Sysroot::~Sysroot() = default;

Sysroot Sysroot::load(const std::string& path) {
  require_sysroot_layout(path);
  g_autoptr(GFile) file = g_file_new_for_path(path.c_str());
  GObjectPtr<OstreeSysroot> sysroot(ostree_sysroot_new(file));
  GError* error = nullptr;
  check(ostree_sysroot_load(sysroot.get(), nullptr, &error), &error,
        "loading ostree sysroot " + path);
  return Sysroot(path, std::move(sysroot));
}

void Sysroot::reload() {
  GError* error = nullptr;
  check(ostree_sysroot_load(sysroot_.get(), nullptr, &error), &error,
        "reloading ostree sysroot " + path_);
}

bool Sysroot::is_booted() const {
  return ostree_sysroot_get_booted_deployment(sysroot_.get()) != nullptr;
}

std::string commit_version(OstreeSysroot* sysroot, const std::string& checksum) {
  OstreeRepo* repo = ostree_sysroot_repo(sysroot);  // owned by the sysroot
  g_autoptr(GVariant) commit = nullptr;
  // A commit object that is missing (pruned, or a partial pull) only costs the version.
  if (!ostree_repo_load_variant_if_exists(repo, OSTREE_OBJECT_TYPE_COMMIT, checksum.c_str(),
                                          &commit, nullptr) ||
      commit == nullptr) {
    return {};
  }
  g_autoptr(GVariant) metadata = g_variant_get_child_value(commit, 0);
  const char* version = nullptr;
  if (g_variant_lookup(metadata, OSTREE_COMMIT_META_KEY_VERSION, "&s", &version) &&
      version != nullptr) {
    return version;
  }
  return {};
}

std::vector<Deployment> Sysroot::deployments() const {
  g_autoptr(GPtrArray) list = ostree_sysroot_get_deployments(sysroot_.get());
  OstreeDeployment* booted = ostree_sysroot_get_booted_deployment(sysroot_.get());
  std::vector<Deployment> result;
  bool before_booted = true;
  for (guint i = 0; i < list->len; ++i) {
    auto* d = static_cast<OstreeDeployment*>(g_ptr_array_index(list, i));
    Deployment out;
    out.index = static_cast<int>(i);
    out.osname = ostree_deployment_get_osname(d);
    out.checksum = ostree_deployment_get_csum(d);
    out.serial = ostree_deployment_get_deployserial(d);
    out.root_id = make_root_id(out.osname, out.checksum, out.serial);
    out.version = commit_version(sysroot_.get(), out.checksum);
    out.pinned = ostree_deployment_is_pinned(d) != FALSE;
    out.origin_refspec = origin_refspec(d);
    const bool is_booted = booted != nullptr && ostree_deployment_equal(d, booted);
    if (ostree_deployment_is_staged(d)) {
      out.role = Role::Staged;
    } else if (is_booted) {
      out.role = Role::Booted;
      before_booted = false;
    } else if (booted != nullptr) {
      out.role = before_booted ? Role::Pending : Role::Rollback;
    } else {
      out.role = i == 0 ? Role::Pending : Role::Rollback;
    }
    result.push_back(std::move(out));
  }
  return result;
}

Deployment Sysroot::deployment(int index) const {
  auto all = deployments();
  if (index < 0 || static_cast<std::size_t>(index) >= all.size()) {
    throw util::Error(
        fmt::format("sysroot {} has no deployment {} (it has {})", path_, index, all.size()),
        util::ExitCode::Usage);
  }
  return all[static_cast<std::size_t>(index)];
}

std::optional<Deployment> Sysroot::booted() const {
  for (auto& d : deployments()) {
    if (d.role == Role::Booted) {
      return d;
    }
  }
  return std::nullopt;
}

std::optional<Deployment> Sysroot::staged() const {
  for (auto& d : deployments()) {
    if (d.role == Role::Staged) {
      return d;
    }
  }
  return std::nullopt;
}

std::optional<Deployment> Sysroot::merge_deployment(const std::string& osname) const {
  g_autoptr(OstreeDeployment) merge =
      ostree_sysroot_get_merge_deployment(sysroot_.get(), osname.c_str());
  if (merge == nullptr) {
    return std::nullopt;
  }
  const std::string id =
      make_root_id(ostree_deployment_get_osname(merge), ostree_deployment_get_csum(merge),
                   ostree_deployment_get_deployserial(merge));
  for (auto& d : deployments()) {
    if (d.root_id == id && d.role != Role::Staged) {
      return d;
    }
  }
  return std::nullopt;
}

std::string Sysroot::default_osname() const {
  if (auto b = booted()) {
    return b->osname;
  }
  auto all = deployments();
  if (all.empty()) {
    throw util::Error::format("ostree sysroot {} has no deployment", path_);
  }
  return all.front().osname;
}

OstreeDeployment* find_deployment(OstreeSysroot* sysroot, const Deployment& deployment,
                                  const std::string& path) {
  g_autoptr(GPtrArray) list = ostree_sysroot_get_deployments(sysroot);
  for (guint i = 0; i < list->len; ++i) {
    auto* d = static_cast<OstreeDeployment*>(g_ptr_array_index(list, i));
    if (deployment.osname == ostree_deployment_get_osname(d) &&
        deployment.checksum == ostree_deployment_get_csum(d) &&
        deployment.serial == ostree_deployment_get_deployserial(d)) {
      return d;  // still referenced by the sysroot's own list
    }
  }
  throw util::Error::format("deployment {} is no longer in sysroot {}", deployment.root_id, path);
}

util::Fd Sysroot::deployment_dirfd(const Deployment& deployment) const {
  g_autofree char* relpath = ostree_sysroot_get_deployment_dirpath(
      sysroot_.get(), find_deployment(sysroot_.get(), deployment, path_));
  util::Fd fd(::openat(ostree_sysroot_get_fd(sysroot_.get()), relpath,
                       O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    throw util::Error::format("cannot open deployment {} at {}/{}: {}", deployment.root_id, path_,
                              relpath, std::strerror(errno));
  }
  return fd;
}

SysrootLock Sysroot::lock(std::chrono::milliseconds wait) {
  return SysrootLock::acquire(sysroot_.get(), path_, wait);
}

}  // namespace rootpin::ostree
