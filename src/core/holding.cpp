#include "src/core/holding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "src/core/reference.hpp"

namespace rootpin::core {

namespace {

// FNV-1a, 64 bits: names need to be stable and distinct, not secret. A placeholder is only
// ever matched by its labels and its image, never by its name alone.
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// A unit name as a piece of a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*), kept short.
std::string slug(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() == 40) {
      break;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    out.push_back(ok ? c : '-');
  }
  return out;
}

std::string label(const StoredContainer& c, std::string_view key) {
  auto it = c.labels.find(std::string(key));
  return it == c.labels.end() ? std::string() : it->second;
}

std::string label(const Placeholder& p, std::string_view key) {
  auto it = p.labels.find(std::string(key));
  return it == p.labels.end() ? std::string() : it->second;
}

bool same_placeholder(const StoredContainer& c, const Placeholder& p) {
  return is_placeholder(c) && c.image_id == p.image_id &&
         label(c, kHolderLabel) == label(p, kHolderLabel) &&
         label(c, kRootLabel) == label(p, kRootLabel);
}

const StoredImage* image_of(const Hold& hold, const std::vector<StoredImage>& listing) {
  for (const auto& image : listing) {
    if (holds(hold, image)) {
      return &image;
    }
  }
  return nullptr;
}

}  // namespace

std::string holder_label(const Hold& hold) {
  switch (hold.kind) {
    case HoldKind::AdminPin: return "admin pin " + hold.reference;
    case HoldKind::Unit: return hold.unit.empty() ? hold.reference : hold.unit;
    case HoldKind::UnrecordedRoot: return hold.reference;
  }
  return hold.reference;
}

Placeholder placeholder_for(const Hold& hold, const StoredImage& image) {
  const std::string holder = holder_label(hold);
  const std::string key = hold.root + '\n' + holder + '\n' + image.id;
  Placeholder p;
  p.name = fmt::format("{}{}-{:016x}", kPlaceholderPrefix,
                       hold.unit.empty() ? "pin" : slug(hold.unit), fnv1a(key));
  p.image_id = image.id;
  p.labels = {{std::string(kHolderLabel), holder},
              {std::string(kRootLabel), hold.root},
              {std::string(kDigestLabel), hold.digest},
              {std::string(kReferenceLabel), hold.reference}};
  return p;
}

bool is_placeholder(const StoredContainer& container) {
  return container.name.starts_with(kPlaceholderPrefix) &&
         container.labels.contains(std::string(kHolderLabel));
}

HoldingPlan plan_holding(PinMode mode, const std::vector<Hold>& holds,
                         const std::vector<StoredImage>& listing,
                         const std::vector<StoredContainer>& containers) {
  HoldingPlan plan;
  std::vector<Placeholder> wanted;
  for (const auto& hold : holds) {
    const auto* image = image_of(hold, listing);
    if (image == nullptr) {
      plan.lost_image.push_back(hold);
      continue;
    }
    if (mode == PinMode::Store) {
      continue;  // being in rootpin's own store is the pin
    }
    auto p = placeholder_for(hold, *image);
    if (std::any_of(wanted.begin(), wanted.end(),
                    [&](const auto& w) { return w.name == p.name; })) {
      continue;  // the same holder twice (one unit naming one image twice)
    }
    wanted.push_back(p);
    if (std::none_of(containers.begin(), containers.end(),
                     [&](const auto& c) { return same_placeholder(c, p); })) {
      plan.create.push_back(std::move(p));
      plan.lost_placeholder.push_back(hold);
    }
  }
  for (const auto& c : containers) {
    if (is_placeholder(c) && std::none_of(wanted.begin(), wanted.end(),
                                          [&](const auto& w) { return same_placeholder(c, w); })) {
      plan.release.push_back(c);
    }
  }
  return plan;
}

std::vector<LostTag> plan_lost_tags(const std::vector<Hold>& holds,
                                    const std::vector<StoredImage>& listing) {
  std::vector<LostTag> lost;
  for (const auto& hold : holds) {
    auto ref = canonicalize(hold.reference);
    // A short name is podman's to resolve: which name to put back is not rootpin's guess.
    if (!ref || ref->tag.empty() || !ref->digest.empty() || ref->short_name) {
      continue;
    }
    const std::string name = ref->name();
    const auto carries = [&](const StoredImage& image) { return matches(*ref, image); };
    const auto* image = image_of(hold, listing);
    if (image == nullptr || std::any_of(listing.begin(), listing.end(), carries) ||
        std::any_of(lost.begin(), lost.end(),
                    [&](const auto& l) { return l.retag.name == name; })) {
      continue;  // gone as a whole (pulled again by digest), still tagged, or taken care of
    }
    lost.push_back({hold, Retag{image->id, name}});
  }
  return lost;
}

std::vector<StoredImage> removable_images(PinMode mode, const GcPlan& plan,
                                          const std::set<std::string>& pulled,
                                          const std::vector<StoredContainer>& containers,
                                          const std::vector<StoredContainer>& released) {
  if (mode == PinMode::Store) {
    return plan.remove;
  }
  std::set<std::string> in_use;
  for (const auto& c : containers) {
    const bool going = std::any_of(released.begin(), released.end(),
                                   [&](const auto& r) { return r.id == c.id && r.name == c.name; });
    if (!going) {
      in_use.insert(c.image_id);
    }
  }
  std::vector<StoredImage> out;
  for (const auto& image : plan.remove) {
    if (pulled.contains(image.id) && !in_use.contains(image.id)) {
      out.push_back(image);
    }
  }
  return out;
}

}  // namespace rootpin::core
