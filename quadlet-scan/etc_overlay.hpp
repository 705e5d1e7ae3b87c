#pragma once
// A staged ostree deployment's /etc as it will be after finalization, read without
// writing anything: the booted (merge) deployment's /etc and /usr/etc and the new root's
// /etc (or /usr/etc) are listed under the Quadlet search path etc/containers/systemd,
// each through its own RootDir (openat2-confined, symlinks never followed while listing,
// files capped), merged by merge_etc(), and served to RootDir for paths under /etc.
//
// Only etc/containers/systemd and what is below it is merged: the scan reads nothing
// else of /etc but a Yaml= file a .kube names there, and pull options name the running
// system's files, not the new root's. Other /etc paths read the new root's /etc as it is.
// A symlink in the merged view is followed through the view; once it leaves /etc the
// new root resolves the rest (a link from there back into /etc sees the new root's own).

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "quadlet-scan/error.hpp"
#include "quadlet-scan/etc_merge.hpp"
#include "quadlet-scan/root_dir.hpp"

namespace quadlet_scan {

// Lists <etc_dir>/containers/systemd, everything below it and the directories above it
// (relative to etc_dir) by lstat; with_content reads regular files (capped) so that they
// can be compared. A missing etc_dir or chain is an empty tree.
std::expected<EtcTree, Error> list_etc_tree(const RootDir& root, const std::string& etc_dir,
                                            bool with_content);

class EtcOverlay {
public:
  // new_root must have no overlay yet; `from` is the deployment whose /etc is inherited.
  static std::expected<EtcOverlay, Error> build(const RootDir& new_root, RootDir from);

  // Paths the overlay answers for: /etc and everything below it.
  static bool covers(std::string_view path);

  std::expected<std::string, Error> read_file(std::string_view path, std::size_t max_size) const;
  std::expected<std::vector<DirEntry>, Error> list_dir(std::string_view path) const;
  std::expected<std::string, Error> read_link(std::string_view path) const;
  std::expected<FileKind, Error> kind(std::string_view path) const;
  std::expected<std::string, Error> resolve(std::string_view path) const;

  // Where ostree's merge would fail: reported with the scan's other directory errors.
  const std::vector<Error>& conflicts() const { return merge_.conflicts; }
  const EtcMerge& merged() const { return merge_; }

private:
  EtcOverlay(RootDir new_raw, RootDir from, std::string base, EtcMerge merge)
      : new_raw_(std::move(new_raw)),
        from_(std::move(from)),
        base_(std::move(base)),
        merge_(std::move(merge)) {}

  // A path followed through the view: a merged node, or a path to read in the new root.
  struct Located {
    const MergedNode* node = nullptr;
    std::string rel;      // the node's path relative to /etc
    std::string outside;  // when node is null
  };
  std::expected<Located, Error> locate(std::string_view path, bool follow_last) const;
  std::string side_path(const Located& at) const;

  RootDir new_raw_;   // the new root without the overlay
  RootDir from_;      // the booted (merge) deployment
  std::string base_;  // "/etc", or "/usr/etc" for a root that has no /etc yet
  EtcMerge merge_;
};

}  // namespace quadlet_scan
