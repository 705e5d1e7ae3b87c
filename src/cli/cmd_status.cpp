// rootpin status [--json]: every image in the store, who holds it (admin pins with their
// reason and time, root records), what nothing holds, holds whose image is missing, and the
// store's size. Takes no lock.

#include <memory>

#include "src/app/holds.hpp"
#include "src/app/store_view.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/output.hpp"
#include "src/cli/roots_commands.hpp"

namespace rootpin::cli {

namespace {

const ledger::AdminPin* pin_for(const ledger::Ledger& l, const core::Hold& h) {
  for (const auto& p : l.pins) {
    if (h.holder == "admin pin" && p.reference == h.reference && p.digest == h.digest) {
      return &p;
    }
  }
  return nullptr;
}

nlohmann::json hold_json(const ledger::Ledger& l, const core::Hold& h) {
  nlohmann::json j = {{"holder", h.holder},
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
  return fmt::format("{} ({})", h.holder, h.reference);
}

util::ExitCode status(app::Context& ctx) {
  auto ledger = ctx.read_ledger();
  auto listing = app::list_store(ctx);
  auto plan = core::plan_gc(listing, app::holds_from_ledger(ledger));
  std::uint64_t total = 0;
  for (const auto& i : listing) {
    total += i.size;
  }
  if (ctx.options.json) {
    nlohmann::json j = {
        {"store", {{"path", ctx.options.store}, {"images", listing.size()}, {"size", total}}},
        {"held", nlohmann::json::array()},
        {"unheld", nlohmann::json::array()},
        {"missing", nlohmann::json::array()},
        {"roots", nlohmann::json::array()}};
    for (const auto& k : plan.keep) {
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
    for (const auto& r : plan.remove) {
      j["unheld"].push_back(
          {{"id", r.id}, {"names", r.names}, {"digest", r.digest}, {"size", r.size}});
    }
    for (const auto& m : plan.missing) {
      j["missing"].push_back(hold_json(ledger, m));
    }
    if (auto sysroot = load_sysroot_if_any(ctx.options.sysroot)) {
      j["roots"] = roots_json(*sysroot, ledger);
    } else {
      for (const auto& [id, record] : ledger.roots) {
        j["roots"].push_back(
            {{"root", id}, {"bound_at", record.bound_at}, {"images", record.images.size()}});
      }
    }
    print_json(j);
    return util::ExitCode::Ok;
  }
  print_line(fmt::format("store {}: {} image(s), {}", ctx.options.store, listing.size(),
                         human_size(total)));
  if (auto sysroot = load_sysroot_if_any(ctx.options.sysroot)) {
    print_roots(*sysroot, ledger);
  } else {
    for (const auto& [id, record] : ledger.roots) {
      print_line(
          fmt::format("root {}: {} image(s), bound {}", id, record.images.size(), record.bound_at));
    }
  }
  for (const auto& k : plan.keep) {
    print_line(fmt::format("held {} {} {} {}",
                           k.image.names.empty() ? "<none>" : k.image.names.front(), k.image.digest,
                           short_id(k.image.id), human_size(k.image.size)));
    for (const auto& h : k.holds) {
      print_line("  held by " + hold_text(ledger, h));
    }
  }
  for (const auto& r : plan.remove) {
    print_line(fmt::format("unheld {} {} (gc removes it)",
                           r.names.empty() ? "<none>" : r.names.front(), short_id(r.id)));
  }
  for (const auto& m : plan.missing) {
    print_line(fmt::format("missing {} {} (held by {}, not in the store)", m.reference, m.digest,
                           m.holder));
  }
  return util::ExitCode::Ok;
}

}  // namespace

void add_status_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto* sub = app.add_subcommand("status", "Show the store, what holds each image, and the roots");
  table[sub] = [&ctx] { return status(ctx); };
}

}  // namespace rootpin::cli
