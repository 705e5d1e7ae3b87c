// libFuzzer target for the scanner: the input becomes a small root on disk (a template
// instance unit, a drop-in, an .image unit, rootpin.conf and a bound-images.d link whose
// target is fuzzed), which is scanned through RootDir. Every result must
// print as valid JSON, and nothing outside the root may ever be reached.

#include <stdlib.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "quadlet-scan/root_dir.hpp"
#include "quadlet-scan/scanner.hpp"

namespace fs = std::filesystem;

namespace {

// Parts of the input, separated by this line.
constexpr std::string_view kSeparator = "\n%%\n";

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> parts;
  while (parts.size() < 5) {
    auto at = text.find(kSeparator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) {
      text = {};
      continue;
    }
    text.remove_prefix(at + kSeparator.size());
  }
  return parts;
}

void write(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary)
      .write(text.data(), static_cast<std::streamsize>(text.size()));
}

struct Root {
  fs::path top;  // holds root/ and, outside it, the canary
  fs::path root, share, bound;

  // The fixed part of the tree is built once: creating files is what costs here, and the
  // fuzzed contents are rewritten in place for every input.
  Root() {
    std::string tmpl = (fs::temp_directory_path() / "fuzz-scanner-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) __builtin_trap();
    top = tmpl;
    root = top / "root";
    share = root / "usr/share/containers/systemd";
    bound = root / "usr/lib/rootpin/bound-images.d";
    // A canary outside the root: no result may ever carry its reference.
    write(top / "canary.container", "[Container]\nImage=quay.io/evil/canary:1\n");
    fs::create_directories(share / "web@blue.container.d");
    fs::create_directories(bound);
    fs::create_directories(root / "etc");
    fs::create_symlink("web@.container", share / "web@blue.container");
    fs::create_symlink("/usr/share/containers/systemd/web@blue.container",
                       bound / "web@blue.container");
    ::mkfifo((root / "fifo.container").c_str(), 0600);
  }
  ~Root() {
    std::error_code ec;
    fs::remove_all(top, ec);
  }
};

const Root& fixture() {
  static const Root root;
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parts = split(text);
  const Root& f = fixture();
  write(f.share / "web@.container", parts[0]);
  write(f.share / "web@blue.container.d/10-override.conf", parts[1]);
  write(f.share / "web.image", parts[2]);
  write(f.root / "usr/lib/rootpin/rootpin.conf", parts[4]);
  const fs::path fuzzed = f.bound / "fuzzed.container";
  std::error_code ec;  // a target the filesystem refuses is simply not created
  fs::remove(fuzzed, ec);
  std::string target(parts[3].substr(0, parts[3].find('\0')));
  if (!target.empty()) fs::create_symlink(target, fuzzed, ec);

  auto dir = quadlet_scan::RootDir::open(f.root.string());
  if (!dir) __builtin_trap();
  {
    // One mode per input (the length's parity) halves the cost of each run.
    quadlet_scan::ScanOptions options;
    options.mode = size % 2 == 0 ? quadlet_scan::ScanMode::Bound : quadlet_scan::ScanMode::All;
    auto result = quadlet_scan::scan_root(*dir, options);
    if (!result) __builtin_trap();
    for (const auto& unit : result->units) {
      if (unit.image == "quay.io/evil/canary:1") __builtin_trap();
      auto json = nlohmann::json::parse(quadlet_scan::to_json_line(unit), nullptr, false);
      if (json.is_discarded() || json["unit"] != unit.unit) __builtin_trap();
    }
  }
  return 0;
}
