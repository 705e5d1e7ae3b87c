#pragma once
// Test support: read, write and stat single files (the ledger and util tests check exact
// bytes and modes).

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace test_support {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    throw std::runtime_error("cannot write " + path);
  }
}

inline mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    throw std::runtime_error("lstat failed: " + path);
  }
  return st.st_mode & 07777;
}

}  // namespace test_support
