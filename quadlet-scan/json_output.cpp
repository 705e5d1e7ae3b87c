// The --json format of the design: one object per unit, keys present only when set.
#include <nlohmann/json.hpp>

#include "quadlet-scan/scanner.hpp"

namespace quadlet_scan {

namespace {

using Json = nlohmann::ordered_json;

// Bad UTF-8 from a hostile root is replaced, never a reason to fail the whole output.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

template <typename T>
void put(Json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

Json pull_json(const PullOptions& p) {
  Json j = Json::object();
  put(j, "authfile", p.authfile);
  put(j, "tls_verify", p.tls_verify);
  put(j, "arch", p.arch);
  put(j, "os", p.os);
  put(j, "variant", p.variant);
  put(j, "cert_dir", p.cert_dir);
  put(j, "creds", p.creds);
  put(j, "decryption_key", p.decryption_key);
  put(j, "all_tags", p.all_tags);
  put(j, "retry", p.retry);
  put(j, "retry_delay", p.retry_delay);
  put(j, "policy", p.policy);
  return j;
}

// The error's text; it names its file when that is not the unit's own (a drop-in, the
// .image unit behind Image=).
std::string error_text(const UnitResult& u) {
  const Error& e = *u.error;
  if (e.path.empty() || e.path == u.source) return e.message;
  return e.to_string();
}

Json image_json(const ImageUse& use) {
  Json j;
  j["image"] = use.reference;
  j["key"] = use.key;
  j["file"] = use.file;
  if (use.line != 0) j["line"] = use.line;
  put(j, "via", use.via);
  put(j, "image_tag", use.image_tag);
  if (Json pull = pull_json(use.pull); !pull.empty()) j["pull"] = std::move(pull);
  return j;
}

}  // namespace

std::string to_json_line(const UnitResult& u) {
  Json j;
  j["unit"] = u.unit;
  if (u.error) {
    j["source"] = u.source;
    j["error"] = error_text(u);
    if (u.error->line != 0) j["line"] = u.error->line;
    return dump(j);
  }
  if (u.built_locally && u.images.empty()) {
    j["built_locally"] = *u.built_locally;
    if (!u.warnings.empty()) j["warnings"] = u.warnings;
    return dump(j);
  }
  j["source"] = u.source;
  put(j, "bound_by", u.bound_by);
  put(j, "default_instance", u.default_instance);
  // The first image at the top level: the single-image form of earlier versions.
  put(j, "image", u.image);
  put(j, "image_tag", u.image_tag);
  if (Json pull = pull_json(u.pull); !pull.empty()) j["pull"] = std::move(pull);
  if (!u.images.empty()) {
    Json images = Json::array();
    for (const ImageUse& use : u.images) images.push_back(image_json(use));
    j["images"] = std::move(images);
  }
  put(j, "built_locally", u.built_locally);
  put(j, "unsupported", u.unsupported);
  if (!u.warnings.empty()) j["warnings"] = u.warnings;
  return dump(j);
}

}  // namespace quadlet_scan
