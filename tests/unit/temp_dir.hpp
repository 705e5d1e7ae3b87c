#pragma once
// A private temporary directory for one test, removed (recursively) when it goes out of
// scope, plus small helpers to build fixture trees in it.

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace test_support {

class TempDir {
public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rootpin-unit-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::filesystem::path& path() const { return path_; }
  // The absolute host path of rel ("a/b" or "/a/b", both relative to the temp dir).
  std::filesystem::path operator/(std::string_view rel) const {
    while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
    return path_ / rel;
  }

  // Writes a file, creating its parent directories.
  void write(std::string_view rel, std::string_view content) const {
    auto p = *this / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + p.string());
  }
  // Creates a symlink rel -> target (target written as given), with parent directories.
  void symlink(std::string_view rel, std::string_view target) const {
    auto p = *this / rel;
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(std::string(target), p);
  }
  void mkdir(std::string_view rel) const { std::filesystem::create_directories(*this / rel); }

private:
  std::filesystem::path path_;
};

}  // namespace test_support
