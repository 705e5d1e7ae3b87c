#pragma once
// How a store keeps each held image, pure: the pin modes, rootpin's placeholder containers
// (pin mode system), and which unheld images gc may take.
//
// Pin mode store: rootpin's own containers-storage, read by the units as an additional image
// store. Being in it is the pin (podman cannot remove an image from an additional store);
// every image in it is rootpin's, so gc removes whatever nothing holds.
//
// Pin mode system: the running podman's own store, shared with the host. Each holder (a unit
// of a root, an admin pin) keeps its image with a placeholder: a created, never-started
// container named rootpin-hold-..., labelled with the holder, its root and the digest. podman
// then refuses `rmi` and keeps the image through `image prune -a`, as for any image a
// container uses; `container prune` and `system prune -a` do remove placeholders, which
// plan_holding reports as lost so that the next bind, pin or boot re-creates them. gc takes
// only an image rootpin pulled itself (recorded in the ledger) that no container at all uses.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/boot_plan.hpp"
#include "src/core/gc_plan.hpp"
#include "src/core/image_store.hpp"

namespace rootpin::core {

inline constexpr std::string_view kPlaceholderPrefix = "rootpin-hold-";
inline constexpr std::string_view kHolderLabel = "io.rootpin.holder";
inline constexpr std::string_view kRootLabel = "io.rootpin.root";
inline constexpr std::string_view kDigestLabel = "io.rootpin.digest";
inline constexpr std::string_view kReferenceLabel = "io.rootpin.reference";

// The holder label of a hold: its unit ("web.container"), or "admin pin REF" (an on-disk
// format: placeholders made by earlier rootpins carry it).
std::string holder_label(const Hold& hold);

// The placeholder that keeps `image` for `hold`: a fixed name, rootpin-hold-<unit or pin>-
// <16 hex of the root, holder and image ID> (a container name podman accepts), and its labels.
Placeholder placeholder_for(const Hold& hold, const StoredImage& image);

// Whether a container is one of rootpin's placeholders (its name and holder label say so).
bool is_placeholder(const StoredContainer& container);

struct HoldingPlan {
  std::vector<Placeholder> create;       // image present, placeholder missing
  std::vector<Hold> lost_placeholder;    // the holds of `create`, for reports
  std::vector<Hold> lost_image;          // the image is gone from the store
  std::vector<StoredContainer> release;  // placeholders that no hold names
};

// What keeping `holds` in a store needs. Pin mode store has no placeholders: only the holds
// whose image is gone. Pin mode system: a placeholder per (root, holder, image); an existing
// one counts when its labels and its image match.
HoldingPlan plan_holding(PinMode mode, const std::vector<Hold>& holds,
                         const std::vector<StoredImage>& listing,
                         const std::vector<StoredContainer>& containers);

// A holder's tag that no image of the store carries any more while the image recorded for
// the holder is still there: `podman rmi` of one of several tags of a held image removes only
// that tag (podman refuses the image, not its names), and a unit naming the tag would pull
// it again at boot. Put back on the recorded image, the holder runs what it was bound with.
struct LostTag {
  Hold hold;
  Retag retag;
};

// The lost tags of `holds` (references by tag only; a digest cannot be lost this way), each
// name once: the first hold in order gets it (`rootpin boot` points the booted root's tags
// at its own images afterwards anyway).
std::vector<LostTag> plan_lost_tags(const std::vector<Hold>& holds,
                                    const std::vector<StoredImage>& listing);

// Of the images nothing holds (plan.remove), those gc may take. Pin mode store: all of them
// (the store is rootpin's). Pin mode system: only images rootpin pulled itself (`pulled`, by
// image ID) that no container uses once the placeholders in `released` are gone. The others
// are the host's and are left alone.
std::vector<StoredImage> removable_images(PinMode mode, const GcPlan& plan,
                                          const std::set<std::string>& pulled,
                                          const std::vector<StoredContainer>& containers,
                                          const std::vector<StoredContainer>& released);

}  // namespace rootpin::core
