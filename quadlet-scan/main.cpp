// quadlet-scan: which container images a root's Quadlet units need, for `podman pull`.
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "quadlet-scan/root_dir.hpp"
#include "quadlet-scan/scanner.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUnitFailed = 1;
constexpr int kExitUsage = 2;

void print_plain(const quadlet_scan::ScanResult& result) {
  std::set<std::string> printed;
  for (const auto& u : result.units) {
    if (u.error) {
      const auto& e = *u.error;
      std::string where = e.path.empty() ? u.source : e.path;
      if (e.line != 0) {
        fmt::print(stderr, "quadlet-scan: {}:{}: {}\n", where, e.line, e.message);
      } else {
        fmt::print(stderr, "quadlet-scan: {}: {}\n", where, e.message);
      }
      continue;
    }
    for (const auto& w : u.warnings) fmt::print(stderr, "quadlet-scan: {}\n", w);
    if (u.unsupported) fmt::print(stderr, "quadlet-scan: {}: {}\n", u.source, *u.unsupported);
    if (!u.pullable()) continue;
    for (const auto& use : u.images) {
      if (printed.insert(use.reference).second) fmt::print("{}\n", use.reference);
    }
  }
}

// One buffer, written out whenever it holds 64 KiB: 10,000 units' JSON would otherwise
// grow one string to megabytes, page by page (tools/bench scan).
void print_json(const quadlet_scan::ScanResult& result) {
  constexpr std::size_t kChunk = std::size_t{64} * 1024;
  std::string out;
  out.reserve(2 * kChunk);
  for (const auto& u : result.units) {
    quadlet_scan::append_json_line(out, u);
    out += '\n';
    if (out.size() >= kChunk) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

// --etc-from: the root whose /etc changes the scanned (staged) root will inherit.
bool inherit_etc(quadlet_scan::RootDir& root, const std::string& etc_from) {
  auto from = quadlet_scan::RootDir::open(etc_from);
  auto merged = from ? root.inherit_etc_from(std::move(*from))
                     : std::expected<void, quadlet_scan::Error>(std::unexpected(from.error()));
  if (!merged) {
    fmt::print(stderr, "quadlet-scan: --etc-from {}: {}\n", etc_from, merged.error().to_string());
  }
  return merged.has_value();
}

// Which store rootpin pins in (rootpin.conf PinMode=): only in `store` mode must a
// .container read rootpin's store through GlobalArgs=, so only then are those lints right.
enum class PinMode { Store, System };

struct Args {
  std::string root_path = "/";
  std::string etc_from;
  bool all = false;
  bool bound = false;
  bool json = false;
  std::vector<std::string> stores;
  PinMode pin_mode = PinMode::Store;
};

void add_options(CLI::App& app, Args& args) {
  app.add_option("--root", args.root_path, "the root to scan (default /)");
  auto* bound_flag = app.add_flag("--bound", args.bound, "list what the root opts in (default)");
  app.add_flag("--all", args.all, "list every Quadlet unit in the search paths")
      ->excludes(bound_flag);
  app.add_flag("--json", args.json, "JSON Lines, one object per unit");
  app.add_option("--etc-from", args.etc_from,
                 "read /etc as ostree's finalization will merge it: this root's /etc changes "
                 "(against its /usr/etc) over the scanned root's /etc or /usr/etc");
  auto* store_opt =
      app.add_option("--store", args.stores,
                     "store a bound .container must read (lint; default /var/lib/rootpin/storage)");
  app.add_option("--pin-mode", args.pin_mode,
                 "rootpin's PinMode=: store (default) or system, where units read podman's own "
                 "store and the lints about rootpin's store are not emitted")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, PinMode>{{"store", PinMode::Store}, {"system", PinMode::System}}))
      ->excludes(store_opt);
}

quadlet_scan::ScanOptions scan_options(const Args& args) {
  quadlet_scan::ScanOptions options;
  options.mode = args.all ? quadlet_scan::ScanMode::All : quadlet_scan::ScanMode::Bound;
  if (args.pin_mode == PinMode::System) {
    options.stores.clear();
  } else if (!args.stores.empty()) {
    options.stores = args.stores;
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"List the container images a root's Quadlet units need"};
  app.name("quadlet-scan");
  Args args;
  add_options(app, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  const std::string& root_path = args.root_path;

  auto root = quadlet_scan::RootDir::open(root_path);
  if (!root) {
    fmt::print(stderr, "quadlet-scan: {}\n", root.error().to_string());
    return kExitUsage;
  }
  if (!args.etc_from.empty() && !inherit_etc(*root, args.etc_from)) {
    return kExitUsage;
  }
  auto result = quadlet_scan::scan_root(*root, scan_options(args));
  if (!result) {
    fmt::print(stderr, "quadlet-scan: {}: {}\n", root_path, result.error().to_string());
    return kExitUsage;
  }
  if (args.json) {
    print_json(*result);
  } else {
    print_plain(*result);
  }
  if (std::fflush(stdout) != 0) {
    std::perror("quadlet-scan: stdout");
    return kExitUsage;
  }
  // The kernel frees a scan's memory at once; tearing 10,000 results down one by one cost
  // 5% of a scan (tools/bench scan). stdout is flushed and checked above.
  std::fflush(stderr);
  std::_Exit(result->all_resolved() ? kExitOk : kExitUnitFailed);
}
