#include "src/podman/listing_cache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/errno_error.hpp"
#include "base/error.hpp"
#include "base/fd.hpp"

namespace rootpin::podman {
namespace {

constexpr int kVersion = 1;
constexpr std::size_t kMaxLockBytes = 4096;

std::string hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

// kind: "images" or "containers", the metadata file and lock of `<driver>-<kind>/`.
std::string fingerprint_of(int store_fd, const std::string& dir, std::string_view kind) {
  std::string part = dir + ":";
  struct stat st {};
  std::string json = fmt::format("{}/{}.json", dir, kind);
  if (::fstatat(store_fd, json.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    part += fmt::format("json={}/{}/{}.{:09}", st.st_ino, st.st_size, st.st_mtim.tv_sec,
                        st.st_mtim.tv_nsec);
  } else {
    part += "json=none";
  }
  std::string lock = fmt::format("{}/{}.lock", dir, kind);
  util::Fd fd(::openat(store_fd, lock.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd) {
    char buf[kMaxLockBytes];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    part += ",lock=" + (n > 0 ? hex(std::string_view(buf, static_cast<std::size_t>(n))) : "");
  }
  return part;
}

nlohmann::json to_json(const core::StoredImage& i) {
  return {{"id", i.id},
          {"names", i.names},
          {"repo_digests", i.repo_digests},
          {"digest", i.digest},
          {"size", i.size}};
}

core::StoredImage from_json(const nlohmann::json& j) {
  core::StoredImage i;
  i.id = j.at("id").get<std::string>();
  i.names = j.value("names", std::vector<std::string>{});
  i.repo_digests = j.value("repo_digests", std::vector<std::string>{});
  i.digest = j.value("digest", std::string());
  i.size = j.value("size", std::uint64_t{0});
  return i;
}

// The fingerprints of every `<driver>-<kind>/` directory of the store, or "".
std::string generation_of(const std::string& store_path, std::string_view kind) {
  util::Fd store(::open(store_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!store) return "";
  DIR* d = ::fdopendir(::fcntl(store.get(), F_DUPFD_CLOEXEC, 0));
  if (d == nullptr) return "";
  const std::string suffix = fmt::format("-{}", kind);
  std::vector<std::string> dirs;
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() > suffix.size() && name.ends_with(suffix)) dirs.emplace_back(name);
  }
  ::closedir(d);
  std::sort(dirs.begin(), dirs.end());
  std::string generation;
  for (const auto& dir : dirs) {
    if (!generation.empty()) generation += ';';
    generation += fingerprint_of(store.get(), dir, kind);
  }
  return generation;
}

nlohmann::json to_json(const core::StoredContainer& c) {
  return {{"id", c.id}, {"name", c.name}, {"image_id", c.image_id}, {"labels", c.labels}};
}

core::StoredContainer container_from_json(const nlohmann::json& j) {
  return {j.at("id").get<std::string>(), j.value("name", std::string()),
          j.value("image_id", std::string()),
          j.value("labels", std::map<std::string, std::string>{})};
}

// Replaces state_dir/name with `text` through a rename, without fsync: after a crash a torn
// or lost cache is no cache (it fails to parse, or its generation is not the store's), so
// durability would only cost every command that lists the store two fsyncs.
void replace_cache_file(const std::string& state_dir, const char* name, const std::string& text) {
  const std::string path = state_dir + "/" + name;
  const std::string temp = fmt::format("{}/.{}.tmp-{}", state_dir, name, ::getpid());
  util::Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw util::errno_error("create", temp);
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t n = ::write(fd.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::unlink(temp.c_str());
      throw util::errno_error("write", temp, err);
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    throw util::errno_error("rename", temp, err);
  }
}

std::optional<nlohmann::json> read_cache_file(const std::string& state_dir, const char* name) {
  std::ifstream in(state_dir + "/" + name, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto j = nlohmann::json::parse(text.str());
    if (j.value("version", 0) != kVersion) return std::nullopt;
    return j;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string store_generation(const std::string& store_path) {
  return generation_of(store_path, "images");
}

std::string containers_generation(const std::string& store_path) {
  return generation_of(store_path, "containers");
}

std::optional<std::vector<core::StoredContainer>> read_containers_cache(
    const std::string& state_dir, const std::string& generation) {
  auto j = read_cache_file(state_dir, kContainersCacheName);
  if (!j || generation.empty()) return std::nullopt;
  try {
    if (j->at("generation").get<std::string>() != generation) return std::nullopt;
    std::vector<core::StoredContainer> out;
    for (const auto& c : j->at("containers")) out.push_back(container_from_json(c));
    return out;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

void write_containers_cache(const std::string& state_dir, const std::string& generation,
                            const std::vector<core::StoredContainer>& containers) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : containers) list.push_back(to_json(c));
  nlohmann::json j = {{"version", kVersion}, {"generation", generation}, {"containers", list}};
  replace_cache_file(state_dir, kContainersCacheName, j.dump() + "\n");
}

std::optional<CachedListing> read_listing_cache(const std::string& state_dir) {
  auto j = read_cache_file(state_dir, kListingCacheName);
  if (!j) return std::nullopt;
  try {
    CachedListing cache;
    cache.generation = j->at("generation").get<std::string>();
    for (const auto& i : j->at("images")) cache.images.push_back(from_json(i));
    return cache;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

void write_listing_cache(const std::string& state_dir, const CachedListing& cache) {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& i : cache.images) images.push_back(to_json(i));
  nlohmann::json j = {{"version", kVersion}, {"generation", cache.generation}, {"images", images}};
  replace_cache_file(state_dir, kListingCacheName, j.dump() + "\n");
}

std::optional<std::vector<core::StoredImage>> current_cached_listing(
    const std::string& state_dir, const std::string& store_path) {
  auto cache = read_listing_cache(state_dir);
  if (!cache || cache->generation.empty()) return std::nullopt;
  if (cache->generation != store_generation(store_path)) return std::nullopt;
  return std::move(cache->images);
}

CachingImageStore::CachingImageStore(std::unique_ptr<core::ImageStore> inner, std::string state_dir)
    : inner_(std::move(inner)), state_dir_(std::move(state_dir)) {}

std::vector<core::StoredImage> CachingImageStore::list() {
  const std::string before = store_generation(inner_->store_path());
  auto images = inner_->list();
  last_ = images;
  const std::string after = store_generation(inner_->store_path());
  if (!after.empty() && before == after && is_dir(state_dir_)) {
    try {
      write_listing_cache(state_dir_, CachedListing{after, images});
    } catch (const util::Error&) {
      // A read-only state dir: the next boot lists the store, as it would without a cache.
    }
  }
  return images;
}

std::vector<core::StoredContainer> CachingImageStore::containers() {
  if (inner_->pin_mode() == core::PinMode::Store) return inner_->containers();  // none
  const std::string path = inner_->store_path();
  const std::string before = containers_generation(path);
  if (auto cached = read_containers_cache(state_dir_, before)) return std::move(*cached);
  auto listed = inner_->containers();
  const std::string after = containers_generation(path);
  if (!after.empty() && before == after && is_dir(state_dir_)) {
    try {
      write_containers_cache(state_dir_, after, listed);
    } catch (const util::Error&) {
      // As for the image listing: the cache is an optimization.
    }
  }
  return listed;
}

}  // namespace rootpin::podman
