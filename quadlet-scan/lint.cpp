#include "quadlet-scan/lint.hpp"

#include <algorithm>
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

std::optional<std::string> lint_store(const UnitFile& container, const std::string& source,
                                      const std::vector<std::string>& stores) {
  if (stores.empty()) return std::nullopt;
  auto read = additional_stores(container);
  bool found = std::any_of(read.begin(), read.end(), [&](const std::string& r) {
    return std::any_of(stores.begin(), stores.end(),
                       [&](const std::string& s) { return trim_slashes(r) == trim_slashes(s); });
  });
  if (found) return std::nullopt;
  return at(Error{"", source, 0, 0},
            fmt::format("does not read rootpin's store and will not see its pinned image; "
                        "add GlobalArgs=--storage-opt=additionalimagestore={}",
                        stores.front()));
}

std::optional<std::string> lint_image_policy(const PullOptions& pull, const Error& where) {
  if (pull.policy == "missing" || pull.policy == "never") return std::nullopt;
  return at(where, fmt::format("Policy={} pulls again at boot and fails offline; "
                               "set Policy=missing or Policy=never",
                               pull.policy.value_or("always (the default)")));
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
