#include "quadlet-scan/unit_resolver.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "quadlet-scan/image_ref.hpp"
#include "quadlet-scan/kube_yaml.hpp"
#include "quadlet-scan/lint.hpp"
#include "quadlet-scan/mount_option.hpp"
#include "quadlet-scan/pull_options.hpp"
#include "quadlet-scan/unit_loader.hpp"
#include "quadlet-scan/utf8.hpp"

namespace quadlet_scan {

namespace {

Error at_file(const std::string& path, std::string message) {
  return Error{std::move(message), path, 0, 0};
}

Error located(const Entry& entry) { return Error{"", entry.origin, entry.line, 0}; }

std::string_view dir_of(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view("/") : path.substr(0, slash + 1);
}

// True when Quadlet leaves a path to systemd (it starts with a specifier, not "%%").
bool starts_with_specifier(std::string_view path) {
  return path.size() > 1 && path[0] == '%' && path[1] != '%';
}

class Resolver {
public:
  Resolver(const ResolveContext& ctx, UnitResult& result) : ctx_(ctx), r_(result) {}

  // Each step returns false once r_.error is set.
  bool container(const LoadedUnit& unit) {
    const UnitFile& f = unit.file;
    PullOptions base;
    if (auto e = read_pull_options(f, unit.name, PullKeys::Container, base)) return fail(*e);
    if (const Entry* pull = f.last("Container", "Pull")) {
      auto word = entry_word(*pull, unit.name);
      if (!word) return fail(word.error());
      r_.container_pull = *word;
      add_warning(lint_container_pull(r_.container_pull, located(*pull)));
    }
    const Entry* image = f.last("Container", "Image");
    const Entry* rootfs = f.last("Container", "Rootfs");
    if (image == nullptr && rootfs == nullptr) {
      return fail(at_file(unit.source, "[Container] has no Image= (nor Rootfs=)"));
    }
    if (image != nullptr && rootfs != nullptr) {
      return fail(entry_error(*image, "Image= and Rootfs= conflict (Quadlet refuses both)"));
    }
    if (image != nullptr && !image_value(*image, unit.name, base)) return false;
    if (!mounts(unit, base)) return false;
    if (!volume_keys(unit)) return false;
    if (!r_.images.empty()) add_warning(lint_store(f, unit.source, ctx_.options.stores));
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
    return image_value(*image, unit.name, PullOptions{});
  }

  // A bound .image unit itself: its Image=, ImageTag= and pull keys.
  bool image_unit(const LoadedUnit& unit) {
    auto use = image_of_image_unit(unit, PullOptions{});
    if (!use) return false;
    add_image(std::move(*use));
    return true;
  }

  // .build: the image is built locally under its first ImageTag= (the one the container
  // runs, Quadlet's GetBuiltImageName).
  bool build_unit(const LoadedUnit& unit) {
    auto tags = unit.file.all("Build", "ImageTag");
    if (tags.empty()) return fail(at_file(unit.source, "[Build] has no ImageTag="));
    auto word = entry_word(*tags.front(), unit.name);
    if (!word) return fail(word.error());
    if (!r_.built_locally) r_.built_locally = *word;
    return true;
  }

  // .kube: the images of its Yaml= file, read through the root like a unit file.
  bool kube(const LoadedUnit& unit) {
    auto yamls = unit.file.all("Kube", "Yaml");
    const Entry* yaml = unit.file.last("Kube", "Yaml");
    if (yaml == nullptr) return fail(at_file(unit.source, "[Kube] has no Yaml="));
    auto word = single_word(yaml->value);
    if (!word) return fail(entry_error(*yaml, word.error()));
    std::string raw = *word;
    if (!starts_with_specifier(raw)) raw = normalize_path(dir_of(unit.source), raw);
    auto expanded = expand_specifiers(raw, unit.name);
    if (!expanded) return fail(entry_error(*yaml, expanded.error()));
    if (!expanded->starts_with('/')) {
      return fail(entry_error(*yaml, fmt::format("{} is not an absolute path", *expanded)));
    }
    const std::string path = ctx_.index.map_etc(normalize_path("/", *expanded));
    if (yamls.size() > 1) r_.warnings.push_back(lint_yaml_repeated(located(*yaml), path));

    auto text = ctx_.root.read_file(path);
    if (!text) {
      Error e = std::move(text.error());
      e.message = fmt::format("Yaml= of {}: {}", unit.name.full, e.message);
      return fail(std::move(e));
    }
    auto parsed = read_kube_yaml(*text);
    if (!parsed) return fail(Error{parsed.error().message, path, parsed.error().line, 0});
    for (const KubeSkipped& s : parsed->skipped) {
      r_.warnings.push_back(lint_kube_skipped(s.kind, Error{"", path, s.line, 0}));
    }
    for (const KubeImage& k : parsed->images) {
      const Error where{"", path, k.line, 0};
      auto ref = parse_image_ref(k.image);
      if (!ref) {
        return fail(Error{fmt::format("{} container \"{}\": bad image reference: {}", k.kind,
                                      printable(k.container), ref.error()),
                          path, k.line, 0});
      }
      add_warning(lint_kube_pull_policy(k.pull_policy, where));
      add_digest_warning(*ref, where);
      add_image(ImageUse{k.image, "Yaml", path, k.line, std::nullopt, std::nullopt, {}});
    }
    return true;
  }

  bool fail(Error e) {
    r_.error = std::move(e);
    return false;
  }

private:
  void add_warning(std::optional<std::string> warning) {
    if (warning &&
        std::find(r_.warnings.begin(), r_.warnings.end(), *warning) == r_.warnings.end()) {
      r_.warnings.push_back(std::move(*warning));
    }
  }

  void add_digest_warning(const ImageRef& ref, const Error& where) {
    add_warning(lint_digest(ref, where));
  }

  // Each reference once per unit: the first key that names it keeps it.
  void add_image(ImageUse use) {
    auto same = [&](const ImageUse& u) { return u.reference == use.reference; };
    if (std::none_of(r_.images.begin(), r_.images.end(), same)) {
      r_.images.push_back(std::move(use));
    }
  }

  // Image= of a .container or .volume: a reference, an .image unit or a .build unit.
  bool image_value(const Entry& entry, const UnitName& unit, const PullOptions& base) {
    auto word = entry_word(entry, unit);
    if (!word) return fail(word.error());
    auto target = parse_unit_name(*word);
    if (target && target->type == UnitType::Build) return via_build(entry, *target);
    if (target && target->type == UnitType::Image) return via_image(entry, *target, base);
    return reference(entry, *word, entry.key, base);
  }

  // The Mount= keys: every type=image mount names an image or an .image unit.
  bool mounts(const LoadedUnit& unit, const PullOptions& base) {
    for (const Entry* entry : unit.file.all("Container", "Mount")) {
      auto words = split_words(entry->value);
      if (!words) {
        // Quadlet's LookupAllArgs drops a value it cannot split.
        r_.warnings.push_back(
            at_entry(*entry, fmt::format("{}: Quadlet ignores this Mount=", words.error())));
        continue;
      }
      for (const std::string& w : *words) {
        auto spec = parse_mount(w);
        if (!spec) return fail(entry_error(*entry, spec.error()));
        if (spec->type == "volume" && spec->source) {
          auto source = expand_specifiers(*spec->source, unit.name);
          if (!source) return fail(entry_error(*entry, source.error()));
          if (!volume_unit(*entry, *source)) return false;
          continue;
        }
        if (spec->type != "image") continue;
        if (!spec->source || spec->source->empty()) {
          return fail(entry_error(*entry,
                                  "type=image has no source= (podman 5.4's Quadlet "
                                  "crashes on it)"));
        }
        auto source = expand_specifiers(*spec->source, unit.name);
        if (!source) return fail(entry_error(*entry, source.error()));
        if (source->starts_with('.') || source->starts_with('/')) {
          return fail(entry_error(*entry, fmt::format("type=image source {} is a path, not an "
                                                      "image",
                                                      *source)));
        }
        auto target = parse_unit_name(*source);
        if (target && target->type == UnitType::Image) {
          if (!via_image(*entry, *target, base)) return false;
        } else if (!reference(*entry, *source, "Mount", base)) {
          return false;
        }
        add_warning(lint_image_mount(unit.file, ctx_.options.stores, located(*entry)));
      }
    }
    return true;
  }

  // Volume=SOURCE:DEST[:OPTIONS] (Quadlet splits on the first two colons; a value without
  // one is an anonymous volume). A SOURCE naming a .volume unit is that unit's volume.
  bool volume_keys(const LoadedUnit& unit) {
    for (const Entry* entry : unit.file.all("Container", "Volume")) {
      auto word = entry_word(*entry, unit.name);
      if (!word) continue;  // several words cannot name a .volume unit
      const auto colon = word->find(':');
      if (colon == std::string::npos) continue;
      if (!volume_unit(*entry, word->substr(0, colon))) return false;
    }
    return true;
  }

  // A .volume unit a container mounts: its service is required by the container's, and a
  // Driver=image volume is created only from an image already in the store (`podman
  // volume create --driver image` looks the image up, it does not pull), so the container
  // needs that image at boot. A missing unit fails the container, as in Quadlet
  // ("requested Quadlet source ... was not found").
  bool volume_unit(const Entry& entry, const std::string& source) {
    if (!source.ends_with(".volume") || source.starts_with('/') || source.starts_with('.')) {
      return true;
    }
    auto target = parse_unit_name(source);
    if (!target || target->type != UnitType::Volume) return true;
    auto loaded = load_target(entry, *target);
    if (!loaded) return false;
    const std::size_t before = r_.images.size();
    if (!volume(*loaded)) return false;
    for (std::size_t i = before; i < r_.images.size(); ++i) {
      ImageUse& use = r_.images[i];
      if (!use.via) use.via = target->full;
      use.key = entry.key;
      use.file = entry.origin;
      use.line = entry.line;
    }
    return true;
  }

  std::expected<LoadedUnit, bool> load_target(const Entry& entry, const UnitName& target) {
    const std::string* path = ctx_.index.find(target.full);
    if (path == nullptr && target.is_instance()) path = ctx_.index.find(target.template_name());
    if (path == nullptr) {
      fail(entry_error(entry, fmt::format("no unit {} in the search paths", target.full)));
      return std::unexpected(false);
    }
    auto loaded = load_unit(ctx_.root, ctx_.index, target, *path);
    if (!loaded) {
      fail(std::move(loaded.error()));
      return std::unexpected(false);
    }
    return std::move(*loaded);
  }

  bool via_build(const Entry& entry, const UnitName& target) {
    auto loaded = load_target(entry, target);
    return loaded && build_unit(*loaded);
  }

  bool via_image(const Entry& entry, const UnitName& target, const PullOptions& base) {
    auto loaded = load_target(entry, target);
    if (!loaded) return false;
    auto use = image_of_image_unit(*loaded, base);
    if (!use) return false;
    use->key = entry.key;
    use->file = entry.origin;
    use->line = entry.line;
    use->via = target.full;
    add_image(std::move(*use));
    return true;
  }

  // The image of an .image unit: its reference with its pull options over `base`, its
  // ImageTag= and the .image lint (on the unit that names it too).
  std::optional<ImageUse> image_of_image_unit(const LoadedUnit& unit, PullOptions base) {
    const UnitFile& f = unit.file;
    const Entry* image = f.last("Image", "Image");
    if (image == nullptr) {
      fail(at_file(unit.source, "[Image] has no Image="));
      return std::nullopt;
    }
    auto word = entry_word(*image, unit.name);
    if (!word) {
      fail(word.error());
      return std::nullopt;
    }
    auto ref = checked_ref(*image, *word);
    if (!ref) return std::nullopt;
    ImageUse use{*word, "Image", image->origin, image->line, std::nullopt, std::nullopt, {}};
    if (const Entry* tag = f.last("Image", "ImageTag")) {
      auto t = entry_word(*tag, unit.name);
      if (!t) {
        fail(t.error());
        return std::nullopt;
      }
      use.image_tag = *t;
    }
    if (auto e = read_pull_options(f, unit.name, PullKeys::Image, base)) {
      fail(*e);
      return std::nullopt;
    }
    use.pull = std::move(base);
    const Entry* policy = f.last("Image", "Policy");
    add_warning(lint_image_unit(use.pull, unit.name, located(policy ? *policy : *image)));
    return use;
  }

  std::optional<ImageRef> checked_ref(const Entry& entry, const std::string& word) {
    auto ref = parse_image_ref(word);
    if (!ref) {
      fail(entry_error(entry, fmt::format("bad image reference: {}", ref.error())));
      return std::nullopt;
    }
    add_digest_warning(*ref, located(entry));
    return std::move(*ref);
  }

  bool reference(const Entry& entry, const std::string& word, std::string key,
                 const PullOptions& base) {
    if (!checked_ref(entry, word)) return false;
    add_image(
        ImageUse{word, std::move(key), entry.origin, entry.line, std::nullopt, std::nullopt, base});
    return true;
  }

  static std::string at_entry(const Entry& entry, std::string_view message) {
    return entry_error(entry, message).to_string();
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
    case UnitType::Kube: resolver.kube(unit); break;
    default: break;
  }
  if (r.error) {
    r.images.clear();
  } else if (!r.images.empty()) {
    const ImageUse& first = r.images.front();
    r.image = first.reference;
    r.image_tag = first.image_tag;
    r.pull = first.pull;
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
  if (!instance || !instance->is_instance()) {
    r.error = entry_error(*def, "not a valid instance name");
    return r;
  }
  r.default_instance = instance->full;
  loaded->name = *instance;
  return resolve_loaded(ctx, *loaded, std::move(r));
}

}  // namespace quadlet_scan
