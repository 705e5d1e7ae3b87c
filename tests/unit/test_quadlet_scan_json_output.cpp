// --json as a fixed-key writer (json_output.cpp) must give the very bytes nlohmann's dump()
// of the same object gave (the serializer it replaced, kept here as the reference):
// every key combination, and strings with control bytes and invalid UTF-8 from a hostile
// root, replaced by U+FFFD as nlohmann does.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <random>
#include <string>

#include "quadlet-scan/scanner.hpp"

using namespace quadlet_scan;

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
  if (p.policy) j["policy"] = pull_policy_name(*p.policy);
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

std::string nlohmann_line(const UnitResult& u) {
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

// Bytes chosen to hit every branch of a UTF-8 decoder: ASCII, escapes, controls, lead bytes
// of each length, the edges of their second-byte ranges, continuation bytes, and bytes no
// sequence may start with.
std::string random_text(std::mt19937& rng) {
  static const unsigned char kBytes[] = {'a',  'Z',  '/',  ':',  ' ',  '"',  '\\', '\b', '\f', '\n',
                                         '\r', '\t', 0x00, 0x01, 0x1F, 0x7F, 0x80, 0x8F, 0x90, 0x9F,
                                         0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED,
                                         0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFE, 0xFF};
  std::uniform_int_distribution<std::size_t> length(0, 12);
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kBytes - 1);
  std::string s;
  for (std::size_t n = length(rng); n > 0; --n) s += static_cast<char>(kBytes[pick(rng)]);
  return s;
}

std::optional<std::string> maybe(std::mt19937& rng) {
  if (rng() % 2 == 0) return std::nullopt;
  return random_text(rng);
}

PullOptions random_pull(std::mt19937& rng) {
  PullOptions p;
  if (rng() % 3 != 0) return p;
  p.authfile = maybe(rng);
  if (rng() % 2 == 0) p.tls_verify = rng() % 2 == 0;
  p.arch = maybe(rng);
  p.os = maybe(rng);
  p.variant = maybe(rng);
  p.cert_dir = maybe(rng);
  p.creds = maybe(rng);
  p.decryption_key = maybe(rng);
  if (rng() % 2 == 0) p.all_tags = rng() % 2 == 0;
  if (rng() % 2 == 0) p.retry = static_cast<int>(rng() % 7) - 1;
  p.retry_delay = maybe(rng);
  if (rng() % 2 == 0) p.policy = static_cast<PullPolicy>(rng() % 4);
  return p;
}

UnitResult random_unit(std::mt19937& rng) {
  UnitResult u;
  u.unit = random_text(rng);
  u.source = random_text(rng);
  u.bound_by = maybe(rng);
  u.default_instance = maybe(rng);
  for (std::size_t n = rng() % 3; n > 0; --n) {
    ImageUse use{random_text(rng), random_text(rng), random_text(rng), rng() % 3 == 0 ? 0u : 7u,
                 maybe(rng),       maybe(rng),       random_pull(rng)};
    u.images.push_back(std::move(use));
  }
  if (!u.images.empty()) {
    u.image = u.images[0].reference;
    u.image_tag = u.images[0].image_tag;
    u.pull = u.images[0].pull;
  }
  u.built_locally = rng() % 4 == 0 ? maybe(rng) : std::nullopt;
  u.unsupported = rng() % 4 == 0 ? maybe(rng) : std::nullopt;
  for (std::size_t n = rng() % 3; n > 0; --n) u.warnings.push_back(random_text(rng));
  if (rng() % 5 == 0) {
    u.error = Error{random_text(rng), rng() % 2 == 0 ? u.source : random_text(rng),
                    static_cast<unsigned>(rng() % 3), 0};
  }
  return u;
}

}  // namespace

TEST_CASE("json output: the fixed-key writer gives nlohmann's bytes") {
  std::mt19937 rng(20261205);
  for (int i = 0; i < 20000; ++i) {
    const UnitResult u = random_unit(rng);
    const std::string want = nlohmann_line(u);
    const std::string got = to_json_line(u);
    if (got != want) {
      INFO("case ", i);
      CHECK(nlohmann::json::parse(want, nullptr, false).dump() ==
            nlohmann::json::parse(got, nullptr, false).dump());
      REQUIRE(got == want);
    }
  }
}

TEST_CASE("json output: a plain unit, byte for byte") {
  UnitResult u;
  u.unit = "web.container";
  u.source = "/usr/share/containers/systemd/web.container";
  u.images.push_back(
      ImageUse{"quay.io/a/web:1", "Image", u.source, 2, std::nullopt, std::nullopt, PullOptions{}});
  u.image = "quay.io/a/web:1";
  u.warnings = {"a \"quoted\"\tword"};
  CHECK(to_json_line(u) ==
        R"({"unit":"web.container","source":"/usr/share/containers/systemd/web.container",)"
        R"("image":"quay.io/a/web:1","images":[{"image":"quay.io/a/web:1","key":"Image",)"
        R"("file":"/usr/share/containers/systemd/web.container","line":2}],)"
        R"("warnings":["a \"quoted\"\tword"]})");
  u.unit = std::string("bad\xC3(\xE2\x82x\xF0\x9F\x98");
  CHECK(to_json_line(u).starts_with("{\"unit\":\"bad\xEF\xBF\xBD(\xEF\xBF\xBDx\xEF\xBF\xBD\""));
}
