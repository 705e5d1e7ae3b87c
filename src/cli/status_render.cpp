#include "src/cli/status_render.hpp"

#include <fmt/format.h>

#include "src/cli/output.hpp"
#include "src/core/holding.hpp"

namespace rootpin::cli {
namespace {

const ledger::AdminPin* pin_for(const ledger::Ledger& l, const core::Hold& h) {
  for (const auto& p : l.pins) {
    if (h.kind == core::HoldKind::AdminPin && p.reference == h.reference && p.digest == h.digest) {
      return &p;
    }
  }
  return nullptr;
}

nlohmann::json hold_json(const ledger::Ledger& l, const core::Hold& h) {
  nlohmann::json j = {{"holder", h.holder()},
                      {"reference", h.reference},
                      {"digest", h.digest},
                      {"image_id", h.image_id}};
  if (const auto* p = pin_for(l, h)) {
    j["kind"] = "pin";
    j["reason"] = p->reason;
    j["time"] = p->time;
  } else {
    j["kind"] = "root";
  }
  return j;
}

std::string hold_text(const ledger::Ledger& l, const core::Hold& h) {
  if (const auto* p = pin_for(l, h)) {
    return fmt::format("admin pin of {} since {}{}", h.reference, p->time,
                       p->reason.empty() ? "" : ": " + p->reason);
  }
  return fmt::format("{} ({})", h.holder(), h.reference);
}

nlohmann::json roots_json(const std::vector<app::RootStatus>& roots, const ledger::Ledger& ledger) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [d, locked] : roots) {
    const ledger::RootRecord* record = ledger.find_root(d.root_id);
    nlohmann::json images = nlohmann::json::array();
    if (record != nullptr) {
      for (const auto& i : record->images) {
        nlohmann::json image{{"unit", i.unit},
                             {"reference", i.reference},
                             {"digest", i.digest},
                             {"image_id", i.image_id}};
        if (!i.key.empty()) image["key"] = i.key;
        if (!i.named_at.empty()) image["named_at"] = i.named_at;
        images.push_back(std::move(image));
      }
    }
    out.push_back({{"index", d.index},
                   {"root", d.root_id},
                   {"role", ostree::role_name(d.role)},
                   {"version", d.version},
                   {"checksum", d.checksum},
                   {"pinned", d.pinned},
                   {"bound", record != nullptr},
                   {"images", images},
                   {"finalization_locked", locked.has_value()}});
  }
  return out;
}

void print_roots(const std::vector<app::RootStatus>& roots, const ledger::Ledger& ledger) {
  print_line("Roots:");
  for (const auto& [d, locked] : roots) {
    const ledger::RootRecord* record = ledger.find_root(d.root_id);
    print_line(fmt::format("  {} {:<8} {}{}{}", d.index, ostree::role_name(d.role),
                           d.version.empty() ? "-" : d.version, d.pinned ? " (pinned)" : "",
                           record != nullptr ? "" : " (not bound)"));
    print_line(fmt::format("    root {}", d.root_id));
    if (locked) {
      print_line(
          fmt::format("    finalization locked ({}): the next boot keeps the current root{}",
                      ostree::kFinalizationLockPath,
                      *locked == ostree::FinalizationLock::Owner::Rootpin
                          ? "; rootpin removes the lock once `rootpin bind --staged` succeeds"
                          : "; the lock is not rootpin's"));
    }
    if (record != nullptr) {
      for (const auto& i : record->images) {
        // "web.container Mount=" when a unit needs several images.
        print_line(fmt::format("    {}{}  {}  {}", i.unit,
                               i.key.empty() || i.key == "Image" ? "" : " " + i.key + "=",
                               i.reference, i.digest.empty() ? short_id(i.image_id) : i.digest));
      }
    }
  }
}

// A root bound with --root: held until `rootpin forget`.
nlohmann::json held_root_json(const ledger::RootRecord& record) {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& i : record.images) {
    images.push_back({{"unit", i.unit},
                      {"reference", i.reference},
                      {"digest", i.digest},
                      {"image_id", i.image_id}});
  }
  return {{"root", record.root_id},
          {"held_dir", record.held_dir},
          {"bound_at", record.bound_at},
          {"images", images}};
}

}  // namespace

nlohmann::json status_json(const app::StatusReport& r) {
  const auto& ledger = r.ledger;
  nlohmann::json j = {{"store",
                       {{"path", r.store_path},
                        {"pin_mode", std::string(core::pin_mode_name(r.pin_mode))},
                        {"images", r.images},
                        {"size", r.size},
                        {"placeholders", r.placeholders}}},
                      {"lost_placeholders", nlohmann::json::array()},
                      {"held", nlohmann::json::array()},
                      {"unheld", nlohmann::json::array()},
                      {"missing", nlohmann::json::array()},
                      {"roots", nlohmann::json::array()}};
  for (const auto& k : r.holds.keep) {
    nlohmann::json holders = nlohmann::json::array();
    for (const auto& h : k.holds) {
      holders.push_back(hold_json(ledger, h));
    }
    j["held"].push_back({{"id", k.image.id},
                         {"names", k.image.names},
                         {"digest", k.image.digest},
                         {"size", k.image.size},
                         {"held_by", holders}});
  }
  for (const auto& u : r.holds.remove) {
    j["unheld"].push_back(
        {{"id", u.id}, {"names", u.names}, {"digest", u.digest}, {"size", u.size}});
  }
  for (const auto& m : r.holds.missing) {
    j["missing"].push_back(hold_json(ledger, m));
  }
  for (const auto& h : r.lost_placeholders) {
    j["lost_placeholders"].push_back(hold_json(ledger, h));
  }
  if (r.roots) {
    j["roots"] = roots_json(*r.roots, ledger);
  }
  for (const auto& [id, record] : ledger.roots) {
    if (!record.held_dir.empty()) {
      j["roots"].push_back(held_root_json(record));
    } else if (!r.roots) {
      j["roots"].push_back(
          {{"root", id}, {"bound_at", record.bound_at}, {"images", record.images.size()}});
    }
  }
  return j;
}

void print_status(const app::StatusReport& r) {
  const auto& ledger = r.ledger;
  const std::string where = r.store_path.empty() ? "podman's default store" : r.store_path;
  if (r.pin_mode == core::PinMode::System) {
    print_line(fmt::format("pin mode system: images held by {} placeholder container(s) in {}",
                           r.placeholders, where));
  }
  print_line(fmt::format("store {}: {} image(s), {}", where, r.images, human_size(r.size)));
  if (r.roots) {
    print_roots(*r.roots, ledger);
  }
  for (const auto& [id, record] : ledger.roots) {
    if (!record.held_dir.empty()) {
      print_line(
          fmt::format("root {}: {} image(s), bound {} from {}; held until `rootpin forget "
                      "{}`",
                      id, record.images.size(), record.bound_at, record.held_dir, id));
    } else if (!r.roots) {
      print_line(
          fmt::format("root {}: {} image(s), bound {}", id, record.images.size(), record.bound_at));
    }
  }
  for (const auto& k : r.holds.keep) {
    print_line(fmt::format("held {} {} {} {}",
                           k.image.names.empty() ? "<none>" : k.image.names.front(), k.image.digest,
                           short_id(k.image.id), human_size(k.image.size)));
    for (const auto& h : k.holds) {
      print_line("  held by " + hold_text(ledger, h));
    }
  }
  for (const auto& u : r.holds.remove) {
    print_line(fmt::format("unheld {} {} (gc removes it)",
                           u.names.empty() ? "<none>" : u.names.front(), short_id(u.id)));
  }
  for (const auto& h : r.lost_placeholders) {
    print_line(
        fmt::format("lost placeholder of {} for {}: a prune removed it; the next bind, pin "
                    "or boot creates it again",
                    h.reference, h.holder()));
  }
  for (const auto& m : r.holds.missing) {
    print_line(fmt::format("missing {} {} (held by {}, not in the store)", m.reference, m.digest,
                           m.holder()));
  }
}

}  // namespace rootpin::cli
