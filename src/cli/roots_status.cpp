// The roots section of `rootpin status`.

#include <fmt/format.h>

#include <filesystem>

#include "src/cli/output.hpp"
#include "src/cli/roots_commands.hpp"
#include "src/ostree/finalization_lock.hpp"

namespace rootpin::cli {
namespace {

// Only a staged root on a booted system can be finalization-locked.
std::optional<ostree::FinalizationLock::Owner> finalization_holder(const ostree::Deployment& d) {
  if (d.role != ostree::Role::Staged) {
    return std::nullopt;
  }
  return ostree::FinalizationLock::holder();
}

}  // namespace

std::optional<ostree::Sysroot> load_sysroot_if_any(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(std::filesystem::path(path) / "ostree/deploy", ec)) {
    return std::nullopt;
  }
  return ostree::Sysroot::load(path);
}

nlohmann::json roots_json(const ostree::Sysroot& sysroot, const ledger::Ledger& ledger) {
  nlohmann::json roots = nlohmann::json::array();
  for (const auto& d : sysroot.deployments()) {
    const ledger::RootRecord* record = ledger.find_root(d.root_id);
    nlohmann::json images = nlohmann::json::array();
    if (record != nullptr) {
      for (const auto& i : record->images) {
        images.push_back({{"unit", i.unit},
                          {"reference", i.reference},
                          {"digest", i.digest},
                          {"image_id", i.image_id}});
      }
    }
    roots.push_back({{"index", d.index},
                     {"root", d.root_id},
                     {"role", ostree::role_name(d.role)},
                     {"version", d.version},
                     {"checksum", d.checksum},
                     {"pinned", d.pinned},
                     {"bound", record != nullptr},
                     {"images", images},
                     {"finalization_locked", finalization_holder(d).has_value()}});
  }
  return roots;
}

void print_roots(const ostree::Sysroot& sysroot, const ledger::Ledger& ledger) {
  print_line("Roots:");
  for (const auto& d : sysroot.deployments()) {
    const ledger::RootRecord* record = ledger.find_root(d.root_id);
    print_line(fmt::format("  {} {:<8} {}{}{}", d.index, ostree::role_name(d.role),
                           d.version.empty() ? "-" : d.version, d.pinned ? " (pinned)" : "",
                           record != nullptr ? "" : " (not bound)"));
    print_line(fmt::format("    root {}", d.root_id));
    if (auto holder = finalization_holder(d)) {
      print_line(
          fmt::format("    finalization locked ({}): the next boot keeps the current root{}",
                      ostree::kFinalizationLockPath,
                      *holder == ostree::FinalizationLock::Owner::Rootpin
                          ? "; rootpin removes the lock once `rootpin bind --staged` succeeds"
                          : "; the lock is not rootpin's"));
    }
    if (record != nullptr) {
      for (const auto& i : record->images) {
        print_line(fmt::format("    {}  {}  {}", i.unit, i.reference,
                               i.digest.empty() ? short_id(i.image_id) : i.digest));
      }
    }
  }
}

}  // namespace rootpin::cli
