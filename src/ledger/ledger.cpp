#include "src/ledger/ledger.hpp"

#include <algorithm>

namespace rootpin::ledger {
namespace {

bool pin_matches(const AdminPin& pin, std::string_view key) {
  if (key.empty()) {
    return false;
  }
  if (pin.reference == key || pin.digest == key || pin.image_id == key) {
    return true;
  }
  // "quay.io/acme/web@sha256:..." names the pin by its digest with a repository in front.
  auto at = key.rfind('@');
  return at != std::string_view::npos && !pin.digest.empty() && key.substr(at + 1) == pin.digest;
}

template <typename Field>
std::set<std::string> collect(const Ledger& ledger, Field field) {
  std::set<std::string> out;
  auto add = [&](const std::string& value) {
    if (!value.empty()) {
      out.insert(value);
    }
  };
  for (const auto& [id, root] : ledger.roots) {
    for (const auto& image : root.images) {
      add(image.*field.first);
    }
  }
  for (const auto& pin : ledger.pins) {
    add(pin.*field.second);
  }
  return out;
}

}  // namespace

const RootRecord* Ledger::find_root(std::string_view root_id) const {
  auto it = roots.find(std::string(root_id));
  return it == roots.end() ? nullptr : &it->second;
}

void Ledger::set_root(RootRecord record) {
  std::string key = record.root_id;
  roots.insert_or_assign(std::move(key), std::move(record));
}

bool Ledger::remove_root(std::string_view root_id) { return roots.erase(std::string(root_id)) > 0; }

std::vector<std::string> Ledger::retain_roots(const std::set<std::string>& live) {
  std::vector<std::string> removed;
  for (auto it = roots.begin(); it != roots.end();) {
    if (live.contains(it->first)) {
      ++it;
    } else {
      removed.push_back(it->first);
      it = roots.erase(it);
    }
  }
  return removed;
}

const AdminPin* Ledger::find_pin(std::string_view ref_or_digest) const {
  auto it = std::find_if(pins.begin(), pins.end(),
                         [&](const AdminPin& p) { return pin_matches(p, ref_or_digest); });
  return it == pins.end() ? nullptr : &*it;
}

void Ledger::add_or_update_pin(AdminPin pin) {
  auto it = std::find_if(pins.begin(), pins.end(),
                         [&](const AdminPin& p) { return p.reference == pin.reference; });
  if (it == pins.end()) {
    pins.push_back(std::move(pin));
    return;
  }
  if (pin.reason.empty()) {
    pin.reason = std::move(it->reason);
  }
  *it = std::move(pin);
}

std::size_t Ledger::remove_pin(std::string_view ref_or_digest) {
  return std::erase_if(pins, [&](const AdminPin& p) { return pin_matches(p, ref_or_digest); });
}

std::set<std::string> Ledger::held_image_ids() const {
  return collect(*this, std::pair{&BoundImage::image_id, &AdminPin::image_id});
}

std::set<std::string> Ledger::held_digests() const {
  return collect(*this, std::pair{&BoundImage::digest, &AdminPin::digest});
}

std::vector<std::string> Ledger::holders_of_digest(std::string_view digest) const {
  std::vector<std::string> out;
  for (const auto& [id, root] : roots) {
    if (std::any_of(root.images.begin(), root.images.end(),
                    [&](const BoundImage& i) { return i.digest == digest; })) {
      out.push_back(id);
    }
  }
  for (const auto& pin : pins) {
    if (pin.digest == digest) {
      out.push_back("pin " + pin.reference);
    }
  }
  return out;
}

void Ledger::add_pulled(OwnedImage image) {
  for (auto& p : pulled) {
    if (p.image_id == image.image_id) {
      return;
    }
  }
  pulled.push_back(std::move(image));
}

std::set<std::string> Ledger::pulled_ids() const {
  std::set<std::string> ids;
  for (const auto& p : pulled) {
    ids.insert(p.image_id);
  }
  return ids;
}

void Ledger::note_pulled_names() {
  auto note = [](OwnedImage& p, const std::string& id, const std::string& reference) {
    if (id == p.image_id && !reference.empty() && reference != p.reference &&
        std::find(p.names.begin(), p.names.end(), reference) == p.names.end()) {
      p.names.push_back(reference);
    }
  };
  for (auto& p : pulled) {
    for (const auto& [id, root] : roots) {
      for (const auto& image : root.images) note(p, image.image_id, image.reference);
    }
    for (const auto& pin : pins) note(p, pin.image_id, pin.reference);
  }
}

std::size_t Ledger::retain_pulled(const std::set<std::string>& present) {
  return std::erase_if(pulled, [&](const OwnedImage& p) { return !present.contains(p.image_id); });
}

}  // namespace rootpin::ledger
