#include "quadlet-scan/lint.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <fmt/format.h>

namespace quadlet_scan {

namespace {

std::string at(const Error& where, std::string_view message) {
  Error e = where;
  e.message = std::string(message);
  return e.to_string();
}

std::string_view trim_slashes(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  return p;
}

constexpr std::string_view kStorageOpt = "--storage-opt";
constexpr std::string_view kAdditional = "additionalimagestore=";

// The stores named by --storage-opt=additionalimagestore=A or "--storage-opt" "…=A".
std::vector<std::string> additional_stores(const UnitFile& container) {
  std::vector<std::string> stores;
  for (const Entry* entry : container.all("Container", "GlobalArgs")) {
    auto words = split_words(entry->value);
    if (!words) continue;
    for (std::size_t i = 0; i < words->size(); ++i) {
      std::string_view w = (*words)[i];
      std::string_view opt;
      if (w.starts_with(kStorageOpt) && w.size() > kStorageOpt.size() &&
          w[kStorageOpt.size()] == '=') {
        opt = w.substr(kStorageOpt.size() + 1);
      } else if (w == kStorageOpt && i + 1 < words->size()) {
        opt = (*words)[++i];
      } else {
        continue;
      }
      if (opt.starts_with(kAdditional)) stores.emplace_back(opt.substr(kAdditional.size()));
    }
  }
  return stores;
}

}  // namespace

namespace {

// Whether the container's podman reads one of `stores` as an additional image store.
bool reads_store(const UnitFile& container, const std::vector<std::string>& stores) {
  auto read = additional_stores(container);
  return std::any_of(read.begin(), read.end(), [&](const std::string& r) {
    return std::any_of(stores.begin(), stores.end(),
                       [&](const std::string& s) { return trim_slashes(r) == trim_slashes(s); });
  });
}

}  // namespace

std::optional<std::string> lint_store(const UnitFile& container, const std::string& source,
                                      const std::vector<std::string>& stores) {
  if (stores.empty()) return std::nullopt;
  if (reads_store(container, stores)) return std::nullopt;
  return at(Error{"", source, 0, 0},
            fmt::format("does not read rootpin's store and will not see its pinned image; "
                        "add GlobalArgs=--storage-opt=additionalimagestore={}",
                        stores.front()));
}

std::optional<std::string> lint_image_mount(const UnitFile& container,
                                            const std::vector<std::string>& stores,
                                            const Error& where) {
  if (!reads_store(container, stores)) return std::nullopt;
  return at(where,
            "podman 5.4 cannot mount an image that is in an additional image store "
            "(containers/storage mounts only its own store's layers: \"mounting read/only "
            "store images is not allowed\"), and rootpin's store is one: the container fails "
            "to start although the image is pinned; pin in podman's own store instead "
            "(PinMode=system in rootpin.conf, and no GlobalArgs= line)");
}

std::string lint_image_unit(const PullOptions& pull, const UnitName& image_unit,
                            const Error& where) {
  const std::string service = image_unit.service_name();
  if (pull.policy) {
    const bool pulls_again = pulls_present_image(*pull.policy);
    return at(where,
              fmt::format("Policy= came in podman 5.6: podman 5.4 (Debian 13) rejects it and "
                          "generates no {0}, so every .container with Image={1} fails to start "
                          "(no image name, a required unit missing), pinned image or not{2}; "
                          "for podman 5.4 remove Policy= and write the image itself in the "
                          ".container's Image= (podman run pulls only a missing image)",
                          service, image_unit.full,
                          pulls_again ? fmt::format("; with podman 5.6 Policy={} pulls at every "
                                                    "boot and fails offline",
                                                    pull_policy_name(*pull.policy))
                                      : ""));
  }
  return at(where,
            fmt::format("{0} runs `podman image pull` at every boot (podman 5.4 has no pull "
                        "policy for .image units, `podman pull` none at all) and fails offline, "
                        "and every .container with Image={1} requires it and fails too; write "
                        "the image itself in the .container's Image= (podman run pulls only a "
                        "missing image), or with podman 5.6 or later set Policy=missing",
                        service, image_unit.full));
}

std::string lint_yaml_repeated(const Error& where, std::string_view used) {
  return at(where, fmt::format("podman 5.4 plays only the last Yaml= ({}); several Yaml= "
                               "came in podman 5.7: the other files' images are not pulled",
                               used));
}

std::string lint_kube_skipped(std::string_view kind, const Error& where) {
  return at(where, fmt::format("podman kube play runs no {} (it plays Pod, Deployment, "
                               "DaemonSet and Job): its images are not pulled",
                               kind));
}

std::optional<std::string> lint_kube_pull_policy(std::string_view policy, const Error& where) {
  std::string lower(policy);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower != "always") return std::nullopt;
  return at(where, "imagePullPolicy: Always pulls at every start of the pod and fails offline");
}

std::optional<std::string> lint_container_pull(const std::optional<std::string>& pull,
                                               const Error& where) {
  if (pull != "always") return std::nullopt;
  return at(where, "Pull=always pulls at every start and defeats the pre-pull");
}

std::optional<std::string> lint_digest(const ImageRef& ref, const Error& where) {
  if (ref.has_digest()) return std::nullopt;
  return at(where, fmt::format("{} has no digest and floats: exact rollback rests on "
                               "`rootpin boot`",
                               ref.as_written));
}

}  // namespace quadlet_scan
