#include "src/podman/system_image_store.hpp"

#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "base/image_id.hpp"

namespace rootpin::podman {

namespace {

using util::Error;

// The entrypoint of a placeholder: a path no image has, so that a `podman start` of it by
// mistake fails at once instead of running anything. The image may have no shell at all.
constexpr const char* kNeverRun = "/nonexistent/rootpin-placeholder-never-runs";

}  // namespace

SystemImageStore::SystemImageStore(PodmanConfig config)
    : config_(config), images_(std::move(config)) {}

std::string SystemImageStore::store_path() const {
  if (!config_.root.empty()) {
    return config_.root;
  }
  if (!graph_root_) {
    auto result = images_.run({"info", "--format", "{{.Store.GraphRoot}}"});
    std::string out = result.ok() ? result.out : std::string();
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
      out.pop_back();
    }
    graph_root_ = out.empty() ? std::string("/var/lib/containers/storage") : out;
  }
  return *graph_root_;
}

std::vector<StoredContainer> parse_container_listing(const std::string& json) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json.empty() ? std::string("[]") : json);
  } catch (const nlohmann::json::exception& e) {
    throw Error::format("podman ps printed JSON rootpin cannot read: {}", e.what());
  }
  if (!doc.is_array()) {
    throw Error("podman ps printed JSON that is not a list");
  }
  std::vector<StoredContainer> out;
  for (const auto& j : doc) {
    if (!j.is_object()) {
      continue;
    }
    StoredContainer c;
    c.id = j.value("Id", std::string());
    c.image_id = util::bare_image_id(j.value("ImageID", std::string()));
    if (auto names = j.find("Names");
        names != j.end() && names->is_array() && !names->empty() && names->front().is_string()) {
      c.name = names->front().get<std::string>();
    }
    if (auto labels = j.find("Labels"); labels != j.end() && labels->is_object()) {
      for (const auto& [k, v] : labels->items()) {
        if (v.is_string()) {
          c.labels.emplace(k, v.get<std::string>());
        }
      }
    }
    if (!c.id.empty()) {
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<StoredContainer> SystemImageStore::containers() {
  // --external: containers other tools (buildah) made in the store use images too.
  auto result = images_.run({"ps", "--all", "--external", "--format", "json"});
  if (!result.ok()) {
    throw Error::format("listing the containers in {}: {}", images_.where(), podman_reason(result));
  }
  return parse_container_listing(result.out);
}

std::vector<std::string> SystemImageStore::create_arguments(const Placeholder& placeholder) {
  std::vector<std::string> args = {"create",  "--pull=never", "--network=none", "--entrypoint",
                                   kNeverRun, "--name",       placeholder.name};
  for (const auto& [key, value] : placeholder.labels) {
    args.push_back("--label");
    args.push_back(fmt::format("{}={}", key, value));
  }
  args.push_back("--");
  args.push_back(placeholder.image_id);
  return args;
}

void SystemImageStore::create_placeholder(const Placeholder& placeholder) {
  auto result = images_.run(create_arguments(placeholder));
  if (!result.ok()) {
    throw Error::format("creating placeholder {} for image {} in {}: {}", placeholder.name,
                        placeholder.image_id.substr(0, 12), images_.where(), podman_reason(result));
  }
}

void SystemImageStore::remove_containers(const std::vector<std::string>& names) {
  if (names.empty()) {
    return;
  }
  // --ignore: one that is already gone (an admin's prune) is what was asked for.
  std::vector<std::string> args = {"rm", "--ignore", "--"};
  args.insert(args.end(), names.begin(), names.end());
  auto result = images_.run(std::move(args));
  if (!result.ok()) {
    throw Error::format("removing {} placeholder(s) from {}: {}", names.size(), images_.where(),
                        podman_reason(result));
  }
}

}  // namespace rootpin::podman
