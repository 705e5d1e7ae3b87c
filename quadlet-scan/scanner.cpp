#include "quadlet-scan/scanner.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "quadlet-scan/opt_in.hpp"
#include "quadlet-scan/search_paths.hpp"
#include "quadlet-scan/specifiers.hpp"
#include "quadlet-scan/unit_loader.hpp"
#include "quadlet-scan/unit_resolver.hpp"

namespace quadlet_scan {

namespace {

UnitResult problem_result(std::string name, Error error) {
  UnitResult r;
  r.unit = std::move(name);
  r.source = error.path;
  r.error = std::move(error);
  return r;
}

bool names_anything(const UnitResult& r) {
  return !r.images.empty() || r.error || r.built_locally || r.unsupported;
}

class Scan {
public:
  Scan(const RootDir& root, const UnitIndex& index, const ScanOptions& options)
      : ctx_{root, index, options} {}

  void reserve(std::size_t n) {
    results_.reserve(n);
    names_.reserve(n);
  }

  // The first result of a name wins.
  void add(UnitResult r) {
    if (names_.insert(r.unit).second) results_.push_back(std::move(r));
  }
  bool has(const std::string& name) const { return names_.contains(name); }

  // One unit name is one unit: the search paths' winner is what Quadlet generates, even
  // when the link points at a file of that name that it shadows.
  void bind_links(const OptIn& opt_in) {
    for (const BoundLink& link : opt_in.links) {
      if (has(link.unit_name)) continue;
      auto name = parse_unit_name(link.unit_name);
      if (!name) continue;  // read_opt_in only keeps parseable names
      const std::string* winner = ctx_.index.find(link.unit_name);
      const std::string& source = winner != nullptr ? *winner : link.target;
      if (auto r = resolve(UnitRef{*name, source, link.link}, InstallFilter::Any)) {
        add(std::move(*r));
      }
    }
  }

  // Every unit of the search paths that may name an image, except masked ones. A bare
  // template is bound as its DefaultInstance= (also when other instances exist) unless
  // that instance has a unit of its own; without one it is left to its instances.
  void bind_search_paths(const std::set<std::string>& masked,
                         const std::map<std::string, std::string>& bound_by, InstallFilter filter) {
    std::set<std::string> templates_with_instances;
    for (const auto& [name_text, path] : ctx_.index.units) {
      auto name = parse_unit_name(name_text);
      if (name && name->is_instance()) templates_with_instances.insert(name->template_name());
    }
    for (const auto& [name_text, path] : ctx_.index.units) {
      if (has(name_text) || masked.contains(name_text)) continue;
      auto name = parse_unit_name(name_text);
      if (!name || !may_name_image(name->type)) continue;
      std::optional<std::string> link;
      if (auto it = bound_by.find(name_text); it != bound_by.end()) link = it->second;
      auto r = resolve(UnitRef{*name, path, link}, filter);
      if (!r || !names_anything(*r)) continue;
      if (name->is_template()) {
        if (r->default_instance && ctx_.index.units.contains(*r->default_instance)) continue;
        if (r->unsupported && templates_with_instances.contains(name_text)) continue;
      }
      add(std::move(*r));
    }
  }

  // Quadlet skips a unit file it cannot read or parse and takes the next file of that
  // name in the search paths; so does this, saying so.
  std::optional<UnitResult> resolve(const UnitRef& ref, InstallFilter filter) {
    auto r = resolve_unit(ctx_, ref, filter);
    if (!r || !r->error || r->error->path != ref.source) return r;
    auto it = ctx_.index.shadowed.find(ref.name.full);
    if (it == ctx_.index.shadowed.end() || unit_file_loads(ctx_.root, ref.source)) return r;
    for (const std::string& next : it->second) {
      if (!unit_file_loads(ctx_.root, next)) continue;
      UnitRef again = ref;
      again.source = next;
      auto alt = resolve_unit(ctx_, again, filter);
      if (alt) {
        alt->warnings.insert(
            alt->warnings.begin(),
            fmt::format("{}; Quadlet skips that file and uses {}", r->error->to_string(), next));
      }
      return alt;
    }
    return r;
  }

  // The results sorted by unit name. Built in place: a second copy of 10,000 results
  // cost a tenth of a scan's page faults (tools/bench scan); links and the search paths
  // come in name order already, so the sort usually finds nothing to do.
  ScanResult finish() {
    const auto by_name = [](const UnitResult& a, const UnitResult& b) { return a.unit < b.unit; };
    if (!std::is_sorted(results_.begin(), results_.end(), by_name)) {
      std::sort(results_.begin(), results_.end(), by_name);
    }
    return ScanResult{std::move(results_)};
  }

private:
  ResolveContext ctx_;
  std::vector<UnitResult> results_;  // in the order added
  std::unordered_set<std::string> names_;
};

}  // namespace

bool ScanResult::all_resolved() const {
  return std::none_of(units.begin(), units.end(),
                      [](const UnitResult& u) { return u.error.has_value(); });
}

std::expected<ScanResult, Error> scan_root(const RootDir& root, const ScanOptions& options) {
  auto index = index_search_paths(root);
  if (!index) {
    return std::unexpected(std::move(index.error()));
  }
  OptIn opt_in = read_opt_in(root, *index);
  Scan scan(root, *index, options);
  const bool whole_paths = options.mode == ScanMode::All || opt_in.all != BindAll::No;
  scan.reserve(index->errors.size() + opt_in.problems.size() + opt_in.links.size() +
               (whole_paths ? index->units.size() : 0));
  for (const Error& e : index->errors) {
    scan.add(problem_result(std::string(base_name(e.path)), e));
  }

  if (options.mode == ScanMode::All) {
    std::map<std::string, std::string> bound_by;
    for (const BoundLink& link : opt_in.links) bound_by.emplace(link.unit_name, link.link);
    scan.bind_search_paths({}, bound_by, InstallFilter::Any);
    return scan.finish();
  }

  for (OptInProblem& p : opt_in.problems) scan.add(problem_result(p.name, std::move(p.error)));
  scan.bind_links(opt_in);
  if (opt_in.all != BindAll::No) {
    scan.bind_search_paths(
        opt_in.masked, {},
        opt_in.all == BindAll::Enabled ? InstallFilter::RequireInstall : InstallFilter::Any);
  }
  return scan.finish();
}

}  // namespace quadlet_scan
