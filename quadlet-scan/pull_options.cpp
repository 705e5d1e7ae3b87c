#include "quadlet-scan/pull_options.hpp"

#include <charconv>
#include <span>
#include <string_view>
#include <variant>

#include <fmt/format.h>

#include "quadlet-scan/unit_loader.hpp"

namespace quadlet_scan {

namespace {

using StringField = std::optional<std::string> PullOptions::*;
using BoolField = std::optional<bool> PullOptions::*;
using IntField = std::optional<int> PullOptions::*;
using PolicyField = std::optional<PullPolicy> PullOptions::*;

enum class Check { None, AbsolutePath };

struct StringKey {
  StringField field;
  Check check;
};

struct Key {
  std::string_view name;
  std::variant<StringKey, BoolField, IntField, PolicyField> target;
};

// Paths name the running system's files (the running podman reads them), so they must
// be absolute: a relative one would depend on podman's working directory.
constexpr Key kImageKeys[] = {
    {"AuthFile", StringKey{&PullOptions::authfile, Check::AbsolutePath}},
    {"TLSVerify", &PullOptions::tls_verify},
    {"Arch", StringKey{&PullOptions::arch, Check::None}},
    {"OS", StringKey{&PullOptions::os, Check::None}},
    {"Variant", StringKey{&PullOptions::variant, Check::None}},
    {"CertDir", StringKey{&PullOptions::cert_dir, Check::AbsolutePath}},
    {"Creds", StringKey{&PullOptions::creds, Check::None}},
    {"DecryptionKey", StringKey{&PullOptions::decryption_key, Check::AbsolutePath}},
    {"AllTags", &PullOptions::all_tags},
    {"Retry", &PullOptions::retry},
    {"RetryDelay", StringKey{&PullOptions::retry_delay, Check::None}},
    {"Policy", &PullOptions::policy},
};

constexpr Key kContainerKeys[] = {
    {"Retry", &PullOptions::retry},
    {"RetryDelay", StringKey{&PullOptions::retry_delay, Check::None}},
};

std::optional<std::string> check_string(Check check, const std::string& value) {
  switch (check) {
    case Check::None: return std::nullopt;
    case Check::AbsolutePath:
      if (value.starts_with('/')) return std::nullopt;
      return fmt::format("\"{}\" is not an absolute path", value);
  }
  return std::nullopt;
}

std::optional<Error> read_key(const Entry& entry, const UnitName& unit, const Key& key,
                              PullOptions& out) {
  auto word = entry_word(entry, unit);
  if (!word) return std::move(word.error());
  if (const auto* s = std::get_if<StringKey>(&key.target)) {
    if (auto problem = check_string(s->check, *word)) return entry_error(entry, *problem);
    out.*(s->field) = std::move(*word);
  } else if (const auto* b = std::get_if<BoolField>(&key.target)) {
    auto value = parse_boolean(*word);
    if (!value) return entry_error(entry, fmt::format("\"{}\" is not a boolean", *word));
    out.*(*b) = *value;
  } else if (const auto* i = std::get_if<IntField>(&key.target)) {
    int value = 0;
    auto [end, ec] = std::from_chars(word->data(), word->data() + word->size(), value);
    if (ec != std::errc() || end != word->data() + word->size() || value < 0) {
      return entry_error(entry, fmt::format("\"{}\" is not a non-negative integer", *word));
    }
    out.*(*i) = value;
  } else if (const auto* p = std::get_if<PolicyField>(&key.target)) {
    auto policy = parse_pull_policy(*word);
    if (!policy) {
      return entry_error(entry,
                         fmt::format("\"{}\" is not one of always, missing, never, newer", *word));
    }
    out.*(*p) = *policy;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> read_pull_options(const UnitFile& file, const UnitName& unit, PullKeys keys,
                                       PullOptions& out) {
  std::span<const Key> table = keys == PullKeys::Image ? std::span<const Key>(kImageKeys)
                                                       : std::span<const Key>(kContainerKeys);
  std::string_view section = keys == PullKeys::Image ? "Image" : "Container";
  for (const Key& key : table) {
    const Entry* entry = file.last(section, key.name);
    if (entry == nullptr) continue;
    if (auto error = read_key(*entry, unit, key, out)) return error;
  }
  return std::nullopt;
}

}  // namespace quadlet_scan
