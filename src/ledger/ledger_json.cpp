// ledger.json <-> Ledger. Parsing is strict about types (a wrong type is corruption, named by
// its JSON path) and lenient about unknown keys; see ledger.hpp for the format.
#include "src/ledger/ledger.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/image_id.hpp"

namespace rootpin::ledger {
namespace {

using Json = nlohmann::json;

// Unwinds out of the nested readers to parse_ledger_detailed; never escapes this file.
struct Invalid {
  ParseError error;
};

[[noreturn]] void corrupt(std::string message) {
  throw Invalid{ParseError{ParseError::Kind::Corrupt, std::move(message)}};
}

const char* type_name(const Json& j) { return j.type_name(); }

void expect_object(const Json& j, const std::string& where) {
  if (!j.is_object()) {
    corrupt(fmt::format("{}: expected an object, found {}", where, type_name(j)));
  }
}

void expect_array(const Json& j, const std::string& where) {
  if (!j.is_array()) {
    corrupt(fmt::format("{}: expected an array, found {}", where, type_name(j)));
  }
}

// A missing string field reads as empty; a present one must be a string.
std::string string_field(const Json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return {};
  }
  if (!it->is_string()) {
    corrupt(fmt::format("{}.{}: expected a string, found {}", where, key, type_name(*it)));
  }
  return it->get<std::string>();
}

void check_version(const Json& doc) {
  auto it = doc.find("version");
  if (it == doc.end()) {
    corrupt("no \"version\" field");
  }
  if (!it->is_number_integer()) {
    corrupt(fmt::format("version: expected an integer, found {}", type_name(*it)));
  }
  auto version = it->get<long long>();
  if (version == Ledger::kVersion) {
    return;
  }
  std::string message = fmt::format(
      "ledger format version {} is not understood by this rootpin ({}), which reads "
      "version {}",
      version, ROOTPIN_VERSION, Ledger::kVersion);
  if (version > Ledger::kVersion) {
    throw Invalid{ParseError{ParseError::Kind::FutureVersion,
                             message + "; it was written by a newer rootpin: upgrade rootpin"}};
  }
  corrupt(message);
}

// A key that later rootpins write and earlier ones did not: "" when absent.
std::string optional_string_field(const Json& j, const char* key, const std::string& where) {
  return j.contains(key) ? string_field(j, key, where) : std::string();
}

// Image IDs enter bare (base/image_id.hpp), whichever way a hand or an old rootpin wrote them.
std::string image_id_field(const Json& j, const std::string& where) {
  return util::bare_image_id(string_field(j, "image_id", where));
}

BoundImage read_image(const Json& j, const std::string& where) {
  expect_object(j, where);
  return BoundImage{
      .unit = string_field(j, "unit", where),
      .reference = string_field(j, "reference", where),
      .digest = string_field(j, "digest", where),
      .image_id = image_id_field(j, where),
      .time = string_field(j, "time", where),
      .key = optional_string_field(j, "key", where),
      .named_at = optional_string_field(j, "named_at", where),
  };
}

RootRecord read_root(const std::string& id, const Json& j) {
  std::string where = "roots[\"" + id + "\"]";
  if (id.empty()) {
    corrupt("roots: a root with an empty id");
  }
  expect_object(j, where);
  RootRecord root{.root_id = id,
                  .bound_at = string_field(j, "bound_at", where),
                  .images = {},
                  .held_dir = string_field(j, "held_dir", where)};
  if (auto images = j.find("images"); images != j.end()) {
    expect_array(*images, where + ".images");
    for (std::size_t i = 0; i < images->size(); ++i) {
      root.images.push_back(read_image((*images)[i], fmt::format("{}.images[{}]", where, i)));
    }
  }
  return root;
}

AdminPin read_pin(const Json& j, const std::string& where) {
  expect_object(j, where);
  AdminPin pin{
      .reference = string_field(j, "reference", where),
      .digest = string_field(j, "digest", where),
      .image_id = image_id_field(j, where),
      .reason = string_field(j, "reason", where),
      .time = string_field(j, "time", where),
  };
  if (pin.reference.empty() && pin.digest.empty()) {
    corrupt(where + ": a pin with neither reference nor digest");
  }
  return pin;
}

OwnedImage read_pulled(const Json& j, const std::string& where) {
  expect_object(j, where);
  OwnedImage image{
      .image_id = image_id_field(j, where),
      .reference = string_field(j, "reference", where),
      .time = string_field(j, "time", where),
  };
  if (image.image_id.empty()) {
    corrupt(where + ": a pulled image without an image_id");
  }
  if (auto names = j.find("names"); names != j.end()) {
    expect_array(*names, where + ".names");
    for (const auto& name : *names) {
      if (!name.is_string()) {
        corrupt(fmt::format("{}.names: expected strings, found {}", where, type_name(name)));
      }
      image.names.push_back(name.get<std::string>());
    }
  }
  return image;
}

Ledger read_ledger(const Json& doc) {
  expect_object(doc, "top level");
  check_version(doc);
  Ledger ledger;
  if (auto roots = doc.find("roots"); roots != doc.end()) {
    expect_object(*roots, "roots");
    for (const auto& [id, value] : roots->items()) {
      ledger.roots.emplace(id, read_root(id, value));
    }
  }
  if (auto pins = doc.find("pins"); pins != doc.end()) {
    expect_array(*pins, "pins");
    for (std::size_t i = 0; i < pins->size(); ++i) {
      ledger.pins.push_back(read_pin((*pins)[i], fmt::format("pins[{}]", i)));
    }
  }
  ledger.pin_mode = string_field(doc, "pin_mode", "top level");
  if (!ledger.pin_mode.empty() && ledger.pin_mode != "store" && ledger.pin_mode != "system") {
    corrupt(fmt::format("pin_mode: \"{}\" is neither \"store\" nor \"system\"", ledger.pin_mode));
  }
  if (auto pulled = doc.find("pulled"); pulled != doc.end()) {
    expect_array(*pulled, "pulled");
    for (std::size_t i = 0; i < pulled->size(); ++i) {
      ledger.pulled.push_back(read_pulled((*pulled)[i], fmt::format("pulled[{}]", i)));
    }
  }
  return ledger;
}

}  // namespace

std::expected<Ledger, ParseError> parse_ledger_detailed(std::string_view json) {
  Json doc;
  try {
    doc = Json::parse(json);
  } catch (const Json::parse_error& e) {
    // nlohmann's message carries the byte position ("syntax error at line 3, column 5 ...").
    return std::unexpected(ParseError{ParseError::Kind::Corrupt, e.what()});
  }
  try {
    return read_ledger(doc);
  } catch (const Invalid& invalid) {
    return std::unexpected(invalid.error);
  }
}

std::expected<Ledger, std::string> parse_ledger(std::string_view json) {
  auto parsed = parse_ledger_detailed(json);
  if (!parsed) {
    return std::unexpected(std::move(parsed.error().message));
  }
  return std::move(*parsed);
}

std::string serialize_ledger(const Ledger& ledger) {
  // ordered_json keeps "version" first and the fields in a human order.
  using Ordered = nlohmann::ordered_json;
  Ordered roots = Ordered::object();
  for (const auto& [id, root] : ledger.roots) {
    Ordered images = Ordered::array();
    for (const auto& image : root.images) {
      Ordered entry{{"unit", image.unit},
                    {"reference", image.reference},
                    {"digest", image.digest},
                    {"image_id", image.image_id},
                    {"time", image.time}};
      if (!image.key.empty()) entry["key"] = image.key;
      if (!image.named_at.empty()) entry["named_at"] = image.named_at;
      images.push_back(std::move(entry));
    }
    roots[id] = Ordered{{"bound_at", root.bound_at}, {"images", std::move(images)}};
    if (!root.held_dir.empty()) {
      roots[id]["held_dir"] = root.held_dir;
    }
  }
  Ordered pins = Ordered::array();
  for (const auto& pin : ledger.pins) {
    pins.push_back(Ordered{{"reference", pin.reference},
                           {"digest", pin.digest},
                           {"image_id", pin.image_id},
                           {"reason", pin.reason},
                           {"time", pin.time}});
  }
  Ordered doc{
      {"version", Ledger::kVersion}, {"roots", std::move(roots)}, {"pins", std::move(pins)}};
  // Written only in pin mode system, so that a store-mode ledger reads as it always did.
  if (!ledger.pin_mode.empty()) {
    doc["pin_mode"] = ledger.pin_mode;
  }
  if (!ledger.pulled.empty()) {
    Ordered pulled = Ordered::array();
    for (const auto& p : ledger.pulled) {
      Ordered entry{{"image_id", p.image_id}, {"reference", p.reference}, {"time", p.time}};
      if (!p.names.empty()) {
        entry["names"] = p.names;
      }
      pulled.push_back(std::move(entry));
    }
    doc["pulled"] = std::move(pulled);
  }
  return doc.dump(2, ' ', false, Ordered::error_handler_t::replace) + "\n";
}

}  // namespace rootpin::ledger
