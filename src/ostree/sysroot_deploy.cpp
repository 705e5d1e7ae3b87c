// The parts of Sysroot that change the sysroot: pulling an origin, deploying its new
// commit and undoing a deployment. They follow what `ostree admin upgrade` does through
// OstreeSysrootUpgrader, but deploy with the lower-level calls so that the new
// deployment comes back to the caller (rootpin binds it next).

#include <ostree.h>

#include <memory>
#include <optional>
#include <string>

#include "base/error.hpp"
#include "src/ostree/gerror.hpp"
#include "src/ostree/sysroot.hpp"
#include "src/ostree/sysroot_internal.hpp"

namespace rootpin::ostree {
namespace {

using UpgraderPtr = GObjectPtr<OstreeSysrootUpgrader>;

// OSTREE_SYSROOT_UPGRADER_FLAGS_NONE is (1 << 0) in 2022.7, which GObject rejects as an
// unknown flag: "no flags" is 0.
constexpr auto kNoUpgraderFlags = static_cast<OstreeSysrootUpgraderFlags>(0);

UpgraderPtr new_upgrader(OstreeSysroot* sysroot, const std::string& osname) {
  GError* error = nullptr;
  UpgraderPtr upgrader(ostree_sysroot_upgrader_new_for_os_with_flags(
      sysroot, osname.c_str(), kNoUpgraderFlags, nullptr, &error));
  if (!upgrader) {
    throw_if(error, "preparing the upgrade of " + osname);
  }
  return upgrader;
}

// The commit the origin now names: an override-commit if the origin pins one, else
// what the refspec resolves to after the pull.
std::string target_revision(OstreeSysroot* sysroot, GKeyFile* origin, const std::string& refspec) {
  g_autofree char* override_commit =
      g_key_file_get_string(origin, "origin", "override-commit", nullptr);
  if (override_commit != nullptr && *override_commit != '\0') {
    return override_commit;
  }
  g_autofree char* rev = nullptr;
  GError* error = nullptr;
  check(ostree_repo_resolve_rev(ostree_sysroot_repo(sysroot), refspec.c_str(), FALSE, &rev, &error),
        &error, "resolving " + refspec);
  return rev;
}

std::string origin_refspec(GKeyFile* origin, const std::string& osname) {
  g_autofree char* refspec = g_key_file_get_string(origin, "origin", "refspec", nullptr);
  if (refspec == nullptr) {
    throw util::Error::format(
        "the origin of {} has no refspec (a container-image origin is bootc's to upgrade)", osname);
  }
  return refspec;
}

struct KeyFileUnref {
  void operator()(GKeyFile* key_file) const noexcept { g_key_file_unref(key_file); }
};
using KeyFilePtr = std::unique_ptr<GKeyFile, KeyFileUnref>;

struct Pulled {
  KeyFilePtr origin;
  std::string refspec;
  std::optional<std::string> new_checksum;  // set when the origin moved to a new commit
};

// Pulls osname's origin through OstreeSysrootUpgrader, which also refuses to go back to
// an older commit than the merge deployment's (downgrade protection).
Pulled pull_origin(OstreeSysroot* sysroot, const std::string& osname) {
  UpgraderPtr upgrader = new_upgrader(sysroot, osname);
  Pulled pulled;
  pulled.origin.reset(ostree_sysroot_upgrader_dup_origin(upgrader.get()));
  pulled.refspec = origin_refspec(pulled.origin.get(), osname);
  gboolean changed = FALSE;
  GError* error = nullptr;
  check(ostree_sysroot_upgrader_pull(upgrader.get(), OSTREE_REPO_PULL_FLAGS_NONE,
                                     OSTREE_SYSROOT_UPGRADER_PULL_FLAGS_NONE, nullptr, &changed,
                                     nullptr, &error),
        &error, "pulling " + pulled.refspec);
  if (changed) {
    pulled.new_checksum = target_revision(sysroot, pulled.origin.get(), pulled.refspec);
  }
  return pulled;
}

}  // namespace

std::optional<Update> Sysroot::check_for_update(const std::string& osname) {
  Pulled pulled = pull_origin(sysroot_.get(), osname);
  if (!pulled.new_checksum) {
    return std::nullopt;
  }
  return Update{pulled.refspec, *pulled.new_checksum,
                commit_version(sysroot_.get(), *pulled.new_checksum)};
}

std::optional<Deployment> Sysroot::pull_and_deploy(const std::string& osname) {
  Pulled pulled = pull_origin(sysroot_.get(), osname);
  if (!pulled.new_checksum) {
    return std::nullopt;
  }
  OstreeSysroot* sysroot = sysroot_.get();
  const char* revision = pulled.new_checksum->c_str();
  // The merge deployment gives the new one its /etc changes (the booted one when booted).
  // (transfer full): this reference is ours already, as in Sysroot::merge_deployment.
  g_autoptr(OstreeDeployment) merge_ref =
      ostree_sysroot_get_merge_deployment(sysroot, osname.c_str());
  g_autoptr(OstreeDeployment) created = nullptr;
  GError* error = nullptr;
  const std::string context = "deploying " + pulled.refspec + " (" + *pulled.new_checksum + ")";
  if (is_booted()) {
    // Staged: ostree finalizes it at shutdown, unless rootpin's finalization lock says no.
    check(ostree_sysroot_stage_tree(sysroot, osname.c_str(), revision, pulled.origin.get(),
                                    merge_ref, nullptr, &created, nullptr, &error),
          &error, context);
  } else {
    // Not booted (tests, image builders): write it as the new default, keeping the
    // previous default as rollback and any pinned deployment, as `ostree admin deploy` does.
    check(ostree_sysroot_deploy_tree(sysroot, osname.c_str(), revision, pulled.origin.get(),
                                     merge_ref, nullptr, &created, nullptr, &error),
          &error, context);
    check(ostree_sysroot_simple_write_deployment(sysroot, osname.c_str(), created, merge_ref,
                                                 OSTREE_SYSROOT_SIMPLE_WRITE_DEPLOYMENT_FLAGS_NONE,
                                                 nullptr, &error),
          &error, context);
  }
  const std::string root_id =
      make_root_id(ostree_deployment_get_osname(created), ostree_deployment_get_csum(created),
                   ostree_deployment_get_deployserial(created));
  reload();
  for (auto& d : deployments()) {
    if (d.root_id == root_id) {
      return d;
    }
  }
  throw util::Error::format("{}: the new deployment {} is not in the sysroot after writing it",
                            context, root_id);
}

void Sysroot::undo(const Deployment& deployment) {
  OstreeDeployment* target = find_deployment(sysroot_.get(), deployment, path_);
  g_autoptr(GPtrArray) current = ostree_sysroot_get_deployments(sysroot_.get());
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_object_unref);
  for (guint i = 0; i < current->len; ++i) {
    auto* d = static_cast<OstreeDeployment*>(g_ptr_array_index(current, i));
    if (!ostree_deployment_equal(d, target)) {
      g_ptr_array_add(kept, g_object_ref(d));
    }
  }
  // Writing the list without a staged deployment also drops /run/ostree/staged-deployment;
  // do_postclean removes the deployment directory and prunes what only it used.
  OstreeSysrootWriteDeploymentsOpts opts{};
  opts.do_postclean = TRUE;
  GError* error = nullptr;
  check(ostree_sysroot_write_deployments_with_options(sysroot_.get(), kept, &opts, nullptr, &error),
        &error, "removing deployment " + deployment.root_id);
  reload();
}

}  // namespace rootpin::ostree
