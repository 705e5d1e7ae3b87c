#pragma once
// ImageStore over the running system's podman, pointed at rootpin's own store with
// --root/--runroot: pin mode store, where being in this store is the pin (a unit reads it as
// an additional image store). Every call is an argv vector (util::run_process), never a shell.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/process.hpp"
#include "src/core/image_store.hpp"

namespace rootpin::podman {

using core::ImageStore;
using core::PinMode;
using core::Placeholder;
using core::PulledImage;
using core::PullRequest;
using core::StoredContainer;
using core::StoredImage;

struct PodmanConfig {
  std::string podman = "podman";  // a path, or a name looked up on PATH
  std::string root;               // --root: the store ("": podman's own, not passed)
  std::string runroot;            // --runroot ("": not passed)
  std::string storage_driver;     // --storage-driver when not empty
  // Extra environment for every podman call (tests: CONTAINERS_REGISTRIES_CONF, ...).
  std::vector<std::pair<std::string, std::string>> env;
};

class PodmanImageStore final : public ImageStore {
public:
  explicit PodmanImageStore(PodmanConfig config);

  std::vector<StoredImage> list() override;
  PulledImage pull(const PullRequest& request) override;
  void remove(const std::vector<std::string>& ids) override;
  void tag(const std::string& id, const std::string& name) override;
  void untag(const std::string& id, const std::string& name) override;
  std::string store_path() const override { return config_.root; }

  PinMode pin_mode() const override { return PinMode::Store; }
  std::vector<StoredContainer> containers() override { return {}; }
  void create_placeholder(const Placeholder& placeholder) override;
  void remove_containers(const std::vector<std::string>& names) override;

  // One podman call with the store's global options (for the system store's containers).
  util::ProcessResult run(std::vector<std::string> args,
                          std::chrono::milliseconds timeout = std::chrono::minutes(5)) const;
  // "/var/lib/rootpin/storage", or "podman's default store" when none is named.
  std::string where() const;

  // The podman argv for a pull (without the global options); public for unit tests.
  static std::vector<std::string> pull_arguments(const PullRequest& request);

private:
  std::vector<std::string> base_argv() const;

  PodmanConfig config_;
};

// Parses `podman images --format json` output. Public for unit tests.
std::vector<StoredImage> parse_image_listing(const std::string& json);

// The ID of the image that podman's stderr says is damaged ("consider removing the image"),
// if it says so. Public for unit tests.
std::optional<std::string> damaged_image_id(const std::string& podman_stderr);

// The message podman gave on stderr ("Error: ..." lines, else its last line), with
// `secret` (if any) replaced by "***".
std::string podman_reason(const util::ProcessResult& result, const std::string& secret = "");

}  // namespace rootpin::podman
