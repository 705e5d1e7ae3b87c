#pragma once
// ImageStore over the running podman's own store (pin mode system, core/holding.hpp): images
// are pulled where the host's containers look for them, so units need no GlobalArgs=, and
// each holder keeps its image with a placeholder container. --store/--runroot may still name
// another store (tests do); by default podman's configured graph and run root are used.
// Images go through the same podman calls as pin mode store (PodmanImageStore); this adds
// the containers: `ps -a --external` (one call), `create` of a placeholder, `rm`.

#include <optional>
#include <string>
#include <vector>

#include "src/podman/podman_image_store.hpp"

namespace rootpin::podman {

class SystemImageStore final : public ImageStore {
public:
  explicit SystemImageStore(PodmanConfig config);

  std::vector<StoredImage> list() override { return images_.list(); }
  PulledImage pull(const PullRequest& request) override { return images_.pull(request); }
  void remove(const std::vector<std::string>& ids) override { images_.remove(ids); }
  void tag(const std::string& id, const std::string& name) override { images_.tag(id, name); }
  void untag(const std::string& id, const std::string& name) override { images_.untag(id, name); }
  // The graph root: the one named, else podman's (asked once, only when a pull needs it).
  std::string store_path() const override;

  PinMode pin_mode() const override { return PinMode::System; }
  std::vector<StoredContainer> containers() override;
  void create_placeholder(const Placeholder& placeholder) override;
  void remove_containers(const std::vector<std::string>& names) override;

  // The podman arguments that create `placeholder` (after the global options); public for
  // unit tests.
  static std::vector<std::string> create_arguments(const Placeholder& placeholder);

private:
  PodmanConfig config_;
  PodmanImageStore images_;
  mutable std::optional<std::string> graph_root_;
};

// Parses `podman ps -a --format json` output. Public for unit tests.
std::vector<StoredContainer> parse_container_listing(const std::string& json);

}  // namespace rootpin::podman
