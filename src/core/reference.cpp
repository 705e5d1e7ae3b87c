#include "src/core/reference.hpp"

#include <algorithm>

#include "base/image_id.hpp"
#include "quadlet-scan/image_ref.hpp"

namespace rootpin::core {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The repositories podman may have stored a reference under.
std::vector<std::string> candidate_repositories(const CanonicalRef& ref) {
  std::vector<std::string> out = {ref.repository};
  if (ref.short_name) {
    std::string path = ref.repository.substr(std::string_view("docker.io/").size());
    if (path.starts_with("library/")) {
      path = path.substr(8);
    }
    out.push_back("localhost/" + path);
  }
  return out;
}

}  // namespace

std::string CanonicalRef::name() const {
  return digest.empty() ? repository + ":" + tag : repository + "@" + digest;
}

std::expected<CanonicalRef, std::string> canonicalize(std::string_view reference) {
  auto parsed = quadlet_scan::parse_image_ref(reference);
  if (!parsed) {
    return std::unexpected("invalid image reference '" + std::string(reference) +
                           "': " + parsed.error());
  }
  CanonicalRef ref;
  ref.as_written = std::string(reference);
  ref.short_name = parsed->domain.empty();
  std::string domain = ref.short_name ? "docker.io" : parsed->domain;
  if (domain == "index.docker.io") {
    domain = "docker.io";
  }
  std::string path = parsed->path;
  if (domain == "docker.io" && path.find('/') == std::string::npos) {
    path = "library/" + path;
  }
  ref.repository = domain + "/" + path;
  ref.digest = parsed->digest;
  ref.tag = parsed->tag.empty() && ref.digest.empty() ? "latest" : parsed->tag;
  return ref;
}

bool matches(const CanonicalRef& ref, const core::StoredImage& image) {
  for (const auto& repo : candidate_repositories(ref)) {
    if (!ref.digest.empty()) {
      if (contains(image.repo_digests, repo + "@" + ref.digest)) {
        return true;
      }
    } else if (contains(image.names, repo + ":" + ref.tag)) {
      return true;
    }
  }
  return false;
}

std::optional<core::StoredImage> find_image(const CanonicalRef& ref,
                                            const std::vector<core::StoredImage>& listing) {
  for (const auto& image : listing) {
    if (matches(ref, image)) {
      return image;
    }
  }
  return std::nullopt;
}

std::string digest_for(const CanonicalRef& ref, const core::StoredImage& image) {
  if (!ref.digest.empty()) {
    return ref.digest;
  }
  for (const auto& repo : candidate_repositories(ref)) {
    for (const auto& rd : image.repo_digests) {
      if (rd.starts_with(repo + "@")) {
        return rd.substr(repo.size() + 1);
      }
    }
  }
  return image.digest;
}

bool looks_like_digest(std::string_view text) {
  if (text.starts_with(util::kSha256Prefix)) {
    text.remove_prefix(util::kSha256Prefix.size());
  }
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string short_id(const std::string& id) { return util::bare_image_id(id).substr(0, 12); }

}  // namespace rootpin::core
