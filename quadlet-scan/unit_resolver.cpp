#include "quadlet-scan/unit_resolver.hpp"

#include <fmt/format.h>

#include "quadlet-scan/image_ref.hpp"
#include "quadlet-scan/lint.hpp"
#include "quadlet-scan/pull_options.hpp"
#include "quadlet-scan/unit_loader.hpp"

namespace quadlet_scan {

namespace {

Error at_file(const std::string& path, std::string message) {
  return Error{std::move(message), path, 0, 0};
}

Error located(const Entry& entry) { return Error{"", entry.origin, entry.line, 0}; }

void add_warning(UnitResult& r, std::optional<std::string> warning) {
  if (warning) r.warnings.push_back(std::move(*warning));
}

class Resolver {
public:
  Resolver(const ResolveContext& ctx, UnitResult& result) : ctx_(ctx), r_(result) {}

  // Each step returns false once r_.error is set.
  bool container(const LoadedUnit& unit) {
    const UnitFile& f = unit.file;
    if (auto e = read_pull_options(f, unit.name, PullKeys::Container, r_.pull)) return fail(*e);
    if (const Entry* pull = f.last("Container", "Pull")) {
      auto word = entry_word(*pull, unit.name);
      if (!word) return fail(word.error());
      r_.container_pull = *word;
      add_warning(r_, lint_container_pull(r_.container_pull, located(*pull)));
    }
    const Entry* image = f.last("Container", "Image");
    if (image == nullptr) return fail(at_file(unit.source, "[Container] has no Image="));
    if (!image_value(*image, unit.name)) return false;
    if (r_.image) add_warning(r_, lint_store(f, unit.source, ctx_.options.stores));
    return true;
  }

  bool volume(const LoadedUnit& unit) {
    const Entry* driver = unit.file.last("Volume", "Driver");
    if (driver == nullptr) return true;
    auto word = entry_word(*driver, unit.name);
    if (!word) return fail(word.error());
    if (*word != "image") return true;  // a plain volume names no image
    const Entry* image = unit.file.last("Volume", "Image");
    if (image == nullptr) {
      return fail(at_file(unit.source, "[Volume] has Driver=image but no Image="));
    }
    return image_value(*image, unit.name);
  }

  // The Image=, ImageTag= and pull keys of an .image unit.
  bool image_unit(const LoadedUnit& unit) {
    const UnitFile& f = unit.file;
    const Entry* image = f.last("Image", "Image");
    if (image == nullptr) return fail(at_file(unit.source, "[Image] has no Image="));
    if (!reference(*image, unit.name)) return false;
    if (const Entry* tag = f.last("Image", "ImageTag")) {
      auto word = entry_word(*tag, unit.name);
      if (!word) return fail(word.error());
      r_.image_tag = *word;
    }
    if (auto e = read_pull_options(f, unit.name, PullKeys::Image, r_.pull)) return fail(*e);
    const Entry* policy = f.last("Image", "Policy");
    add_warning(r_, lint_image_policy(r_.pull, located(policy ? *policy : *image)));
    return true;
  }

  bool build_unit(const LoadedUnit& unit) {
    const Entry* tag = unit.file.last("Build", "ImageTag");
    if (tag == nullptr) return fail(at_file(unit.source, "[Build] has no ImageTag="));
    auto word = entry_word(*tag, unit.name);
    if (!word) return fail(word.error());
    r_.built_locally = *word;
    return true;
  }

  bool fail(Error e) {
    r_.error = std::move(e);
    return false;
  }

private:
  // Image= of a .container or .volume: a reference, an .image unit or a .build unit.
  bool image_value(const Entry& entry, const UnitName& unit) {
    auto word = entry_word(entry, unit);
    if (!word) return fail(word.error());
    auto target = parse_unit_name(*word);
    if (target && (target->type == UnitType::Image || target->type == UnitType::Build)) {
      return via_unit(entry, *target);
    }
    return reference(entry, unit);
  }

  bool via_unit(const Entry& entry, const UnitName& target) {
    const std::string* path = ctx_.index.find(target.full);
    if (path == nullptr && target.is_instance()) path = ctx_.index.find(target.template_name());
    if (path == nullptr) {
      return fail(entry_error(entry, fmt::format("no unit {} in the search paths", target.full)));
    }
    auto loaded = load_unit(ctx_.root, ctx_.index, target, *path);
    if (!loaded) return fail(std::move(loaded.error()));
    return target.type == UnitType::Image ? image_unit(*loaded) : build_unit(*loaded);
  }

  bool reference(const Entry& entry, const UnitName& unit) {
    auto word = entry_word(entry, unit);
    if (!word) return fail(word.error());
    auto ref = parse_image_ref(*word);
    if (!ref) {
      return fail(entry_error(entry, fmt::format("bad image reference: {}", ref.error())));
    }
    r_.image = *word;
    add_warning(r_, lint_digest(*ref, located(entry)));
    return true;
  }

  const ResolveContext& ctx_;
  UnitResult& r_;
};

UnitResult resolve_loaded(const ResolveContext& ctx, const LoadedUnit& unit, UnitResult r) {
  Resolver resolver(ctx, r);
  switch (unit.name.type) {
    case UnitType::Container: resolver.container(unit); break;
    case UnitType::Image: resolver.image_unit(unit); break;
    case UnitType::Volume: resolver.volume(unit); break;
    case UnitType::Build: resolver.build_unit(unit); break;
    default: break;
  }
  return r;
}

}  // namespace

bool may_name_image(UnitType type) {
  switch (type) {
    case UnitType::Container:
    case UnitType::Image:
    case UnitType::Volume:
    case UnitType::Build:
    case UnitType::Kube: return true;
    default: return false;
  }
}

std::optional<UnitResult> resolve_unit(const ResolveContext& ctx, const UnitRef& ref,
                                       InstallFilter filter) {
  UnitResult r;
  r.unit = ref.name.full;
  r.source = ref.source;
  r.bound_by = ref.bound_by;
  if (ref.name.type == UnitType::Kube) {
    r.unsupported = ".kube units are not supported yet (their YAML is not read)";
    return r;
  }
  if (!may_name_image(ref.name.type)) {
    r.unsupported = fmt::format("{} units name no image to pull", ref.name.suffix);
    return r;
  }
  auto loaded = load_unit(ctx.root, ctx.index, ref.name, ref.source);
  if (!loaded) {
    r.error = std::move(loaded.error());
    if (ref.bound_by && r.error->path == ref.source) {
      r.error->message += fmt::format(" (bound by {})", *ref.bound_by);
    }
    return r;
  }
  if (filter == InstallFilter::RequireInstall && !loaded->file.has_section("Install")) {
    return std::nullopt;
  }
  r.source = loaded->source;
  if (!ref.name.is_template()) {
    return resolve_loaded(ctx, *loaded, std::move(r));
  }
  // A bare template runs as its DefaultInstance=, if it has one.
  const Entry* def = loaded->file.last("Install", "DefaultInstance");
  if (def == nullptr) {
    r.unsupported = "a template with no instance (link an instance or set DefaultInstance=)";
    return r;
  }
  auto instance_text = single_word(def->value);
  std::optional<UnitName> instance;
  if (instance_text) {
    instance =
        parse_unit_name(fmt::format("{}@{}{}", ref.name.prefix, *instance_text, ref.name.suffix));
  }
  if (!instance) {
    r.error = entry_error(*def, "not a valid instance name");
    return r;
  }
  loaded->name = *instance;
  return resolve_loaded(ctx, *loaded, std::move(r));
}

}  // namespace quadlet_scan
