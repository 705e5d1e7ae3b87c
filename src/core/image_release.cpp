#include "src/core/image_release.hpp"

#include <algorithm>

#include "src/core/reference.hpp"

namespace rootpin::core {

namespace {

// "quay.io/acme/web@sha256:..." -> "quay.io/acme/web"; "" for a name without a digest.
std::string digest_name_repository(const std::string& name) {
  const auto at = name.find('@');
  return at == std::string::npos ? std::string() : name.substr(0, at);
}

}  // namespace

bool owns_name(const NameOwnership& ownership, const std::string& name) {
  if (ownership.every_name) {
    return true;
  }
  const auto repository = digest_name_repository(name);
  return std::any_of(
      ownership.references.begin(), ownership.references.end(), [&](const std::string& reference) {
        auto ref = canonicalize(reference);
        // A digest name is what pulling the repository by digest added: it
        // names content rootpin pulled, not an admin's choice of a name.
        return ref &&
               (ref->name() == name || (!repository.empty() && ref->repository == repository));
      });
}

ImageRelease plan_release(const StoredImage& image, const NameOwnership& ownership) {
  ImageRelease release{.image = image, .untag = {}, .foreign = {}};
  for (const auto& name : image.names) {
    (owns_name(ownership, name) ? release.untag : release.foreign).push_back(name);
  }
  if (release.removes_image() && !release.untag.empty()) {
    // Tags first, the digest name last; that last one goes with the image in the rmi.
    std::stable_partition(release.untag.begin(), release.untag.end(),
                          [](const std::string& n) { return n.find('@') == std::string::npos; });
    release.untag.pop_back();
  }
  return release;
}

}  // namespace rootpin::core
