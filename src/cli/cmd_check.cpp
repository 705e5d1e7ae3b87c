// rootpin check [--booted]: the use case (app/check.hpp) and its report, rendered as text
// or JSON Lines. Exit 0 when every held image is present, 1 naming each that is missing or
// moved. greenboot's check (50_rootpin_images.sh) runs `rootpin check --booted`.

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "src/app/check.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/output.hpp"

namespace rootpin::cli {
namespace {

std::size_t count(const core::CheckReport& report, core::CheckProblem::Kind kind) {
  return static_cast<std::size_t>(std::count_if(report.problems.begin(), report.problems.end(),
                                                [&](const auto& p) { return p.kind == kind; }));
}

// A problem's holder in JSON: its root's id, or "pin".
std::string holder(const core::Hold& hold) {
  return hold.kind == core::HoldKind::AdminPin ? "pin" : hold.root;
}

void render_json(const core::CheckReport& report) {
  using Kind = core::CheckProblem::Kind;
  for (const auto& p : report.problems) {
    nlohmann::json j = {{"event", core::to_string(p.kind)},
                        {"holder", holder(p.hold)},
                        {"unit", p.hold.unit},
                        {"reference", p.hold.reference},
                        {"digest", p.hold.digest},
                        {"image_id", p.hold.image_id},
                        {"message", p.message}};
    if (!p.placeholder.empty()) j["placeholder"] = p.placeholder;
    print_json(j);
  }
  print_json({{"event", "checked"},
              {"roots", report.roots},
              {"ok", report.ok.size()},
              {"missing", count(report, Kind::Missing)},
              {"moved", count(report, Kind::Moved)},
              {"lost_placeholders", count(report, Kind::LostPlaceholder)},
              {"untagged", count(report, Kind::Untagged)},
              {"passed", report.passed()}});
}

std::string_view headline(core::CheckProblem::Kind kind) {
  switch (kind) {
    case core::CheckProblem::Kind::Missing: return "MISSING";
    case core::CheckProblem::Kind::Moved: return "MOVED";
    case core::CheckProblem::Kind::LostPlaceholder: return "LOST PLACEHOLDER";
    case core::CheckProblem::Kind::Untagged: return "UNTAGGED";
  }
  return "MISSING";
}

void render(const core::CheckReport& report, bool json) {
  if (json) {
    render_json(report);
    return;
  }
  for (const auto& p : report.problems)
    print_line(fmt::format("{}: {}", headline(p.kind), p.message));
  const std::size_t images = report.checked;
  print_line(fmt::format("{} image{} checked in {} root{} and the admin pins: {}", images,
                         images == 1 ? "" : "s", report.roots.size(),
                         report.roots.size() == 1 ? "" : "s",
                         report.passed() ? "all present"
                                         : fmt::format("{} problem{}", report.problems.size(),
                                                       report.problems.size() == 1 ? "" : "s")));
}

util::ExitCode check(app::Context& ctx, bool booted_only) {
  const auto report = app::check_images(ctx, booted_only);
  render(report, ctx.options.json);
  return report.passed() ? util::ExitCode::Ok : util::ExitCode::Failed;
}

}  // namespace

void add_check_command(CLI::App& app, app::Context& ctx, CommandTable& table) {
  auto booted = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand(
      "check", "Check that every held image is in the store at its recorded digest (offline)");
  sub->add_flag("--booted", *booted, "Only the booted root's images and the admin pins");
  table[sub] = [&ctx, booted] { return check(ctx, *booted); };
}

}  // namespace rootpin::cli
