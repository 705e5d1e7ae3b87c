#include "src/podman/creds_authfile.hpp"

#include <fcntl.h>
#include <glib.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>
#include <utility>

#include "base/errno_error.hpp"
#include "base/error.hpp"
#include "base/fd.hpp"
#include "quadlet-scan/image_ref.hpp"

namespace rootpin::podman {

namespace {

std::string base64(const std::string& text) {
  std::unique_ptr<gchar, decltype(&g_free)> encoded(
      g_base64_encode(reinterpret_cast<const guchar*>(text.data()), text.size()), &g_free);
  return encoded.get();
}

}  // namespace

std::optional<CredsAuthFile> CredsAuthFile::create(const std::string& reference,
                                                   const std::string& creds) {
  if (creds.find(':') == std::string::npos) {
    return std::nullopt;
  }
  auto ref = quadlet_scan::parse_image_ref(reference);
  if (!ref || ref->domain.empty()) {
    return std::nullopt;
  }
  std::error_code ec;
  std::string tmpl = (std::filesystem::temp_directory_path(ec) / "rootpin-creds-XXXXXX").string();
  if (ec) {
    tmpl = "/tmp/rootpin-creds-XXXXXX";
  }
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw util::errno_error("create a private directory for the credentials of", reference);
  }
  CredsAuthFile file(tmpl);  // from here on the destructor cleans up
  util::Fd fd(
      ::open(file.path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) {
    throw util::errno_error("create", file.path_);
  }
  nlohmann::json doc = {{"auths", {{ref->domain, {{"auth", base64(creds)}}}}}};
  std::string text = doc.dump();
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t n = ::write(fd.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      throw util::errno_error("write", file.path_);
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  return file;
}

CredsAuthFile::CredsAuthFile(CredsAuthFile&& other) noexcept
    : dir_(std::exchange(other.dir_, {})), path_(std::exchange(other.path_, {})) {}

CredsAuthFile& CredsAuthFile::operator=(CredsAuthFile&& other) noexcept {
  if (this != &other) {
    remove();
    dir_ = std::exchange(other.dir_, {});
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

CredsAuthFile::~CredsAuthFile() { remove(); }

void CredsAuthFile::remove() noexcept {
  if (!dir_.empty()) {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
    dir_.clear();
  }
}

}  // namespace rootpin::podman
