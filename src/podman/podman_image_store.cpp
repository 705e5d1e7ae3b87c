#include "src/podman/podman_image_store.hpp"

#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>

#include "base/error.hpp"
#include "base/image_id.hpp"
#include "src/log/log.hpp"
#include "src/podman/creds_authfile.hpp"

namespace rootpin::podman {

namespace {

using util::Error;

const std::vector<std::string> kSecretOptions = {"--creds"};
// How podman starts the lines that say why it failed.
constexpr std::string_view kErrorPrefix = "Error: ";
// Damaged images removed by one listing before it gives up: each pull cut short leaves at
// most one, so more than this is damage of another kind.
constexpr std::size_t kMaxDamagedImages = 16;

std::string trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return "";
  }
  auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

void replace_all(std::string& text, const std::string& what, const std::string& with) {
  if (what.empty()) {
    return;
  }
  for (auto pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + with.size())) {
    text.replace(pos, what.size(), with);
  }
}

std::vector<std::string> string_list(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace

PodmanImageStore::PodmanImageStore(PodmanConfig config) : config_(std::move(config)) {}

std::string PodmanImageStore::where() const {
  return config_.root.empty() ? std::string("podman's default store") : config_.root;
}

void PodmanImageStore::create_placeholder(const Placeholder& placeholder) {
  throw Error::format("pin mode store holds images without placeholders (asked for {})",
                      placeholder.name);
}

void PodmanImageStore::remove_containers(const std::vector<std::string>& names) {
  if (!names.empty()) {
    throw Error::format("pin mode store has no containers to remove ({})", names.front());
  }
}

std::vector<std::string> PodmanImageStore::base_argv() const {
  std::vector<std::string> argv = {config_.podman};
  if (!config_.root.empty()) {
    argv.insert(argv.end(), {"--root", config_.root});
  }
  if (!config_.runroot.empty()) {
    // A store with its own runroot is its own libpod instance: without --tmpdir it would
    // share /run/libpod (the "alive" marker of this boot, events, exit files) with the host's
    // podman and with any other such store. podman records the tmpdir when it creates the
    // store and keeps using the recorded one, so a store made before this flag is unaffected.
    argv.insert(argv.end(),
                {"--runroot", config_.runroot, "--tmpdir", config_.runroot + "/libpod"});
  }
  if (!config_.storage_driver.empty()) {
    argv.insert(argv.end(), {"--storage-driver", config_.storage_driver});
  }
  return argv;
}

util::ProcessResult PodmanImageStore::run(std::vector<std::string> args,
                                          std::chrono::milliseconds timeout) const {
  auto argv = base_argv();
  argv.insert(argv.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  log::debug("running " + util::describe_argv(argv, kSecretOptions));
  return util::run_process({.argv = std::move(argv), .env = config_.env, .timeout = timeout});
}

std::vector<StoredImage> parse_image_listing(const std::string& json) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json.empty() ? std::string("[]") : json);
  } catch (const nlohmann::json::exception& e) {
    throw Error::format("podman images printed JSON rootpin cannot read: {}", e.what());
  }
  if (!doc.is_array()) {
    throw Error("podman images printed JSON that is not a list");
  }
  std::vector<StoredImage> images;
  // podman 4.3 lists an image once per name, each entry with all its names; podman 5 once.
  // One entry per image, so no caller counts or removes an image twice.
  std::set<std::string> seen;
  for (const auto& j : doc) {
    StoredImage image;
    image.id = util::bare_image_id(j.value("Id", std::string()));
    if (!seen.insert(image.id).second) {
      continue;
    }
    image.names = string_list(j, "Names");
    image.repo_digests = string_list(j, "RepoDigests");
    image.digest = j.value("Digest", std::string());
    if (auto it = j.find("Size"); it != j.end() && it->is_number()) {
      image.size = it->get<std::uint64_t>();
    }
    if (!image.id.empty()) {
      images.push_back(std::move(image));
    }
  }
  return images;
}

std::string podman_reason(const util::ProcessResult& result, const std::string& secret) {
  std::istringstream lines(result.err);
  std::string line;
  std::string errors;
  std::string last;
  while (std::getline(lines, line)) {
    line = trim(line);
    if (line.empty()) {
      continue;
    }
    last = line;
    if (line.starts_with(kErrorPrefix)) {
      errors += (errors.empty() ? "" : "; ") + line.substr(kErrorPrefix.size());
    }
  }
  std::string reason = !errors.empty() ? errors
                       : !last.empty() ? last
                                       : "podman " + result.describe_end();
  if (result.timed_out) {
    reason = "podman timed out and was killed" + (errors.empty() ? "" : ": " + errors);
  } else if (result.stopped_by != 0) {
    // Whatever it printed then is about being stopped, not about the image.
    reason = "podman was " + result.describe_end();
  }
  replace_all(reason, secret, "***");
  return reason;
}

std::optional<std::string> damaged_image_id(const std::string& podman_stderr) {
  // containers/storage: `locating item named "manifest" for image with ID "<id>" (consider
  // removing the image to resolve the issue)`.
  static const std::regex pattern(
      R"re(for image with ID \\?"([0-9a-f]{64})\\?" \(consider removing the image)re");
  std::smatch m;
  if (std::regex_search(podman_stderr, m, pattern)) {
    return m[1].str();
  }
  return std::nullopt;
}

// A podman killed while it pulled (rootpin killed, a power cut) can leave an image whose
// manifest was never written. Every later `podman images --all` then fails on it, so rootpin
// could never pin or collect again. Such an image cannot run either: remove it, as podman
// advises, and say so; whatever holds it is pulled again by the next bind or upgrade.
std::vector<StoredImage> PodmanImageStore::list() {
  std::set<std::string> removed;
  for (;;) {
    auto result = run({"images", "--all", "--format", "json"});
    if (result.ok()) {
      return parse_image_listing(result.out);
    }
    auto damaged = damaged_image_id(result.err);
    if (!damaged || removed.contains(*damaged) || removed.size() >= kMaxDamagedImages) {
      throw Error::format("listing the images in {}: {}", where(), podman_reason(result));
    }
    log::warning(fmt::format("image {} in {} is damaged (its manifest is missing: a pull was cut "
                             "short); removing it so that it can be pulled again",
                             *damaged, where()),
                 log::Fields{"", *damaged, ""});
    auto rmi = run({"rmi", "--force", "--", *damaged});
    if (!rmi.ok()) {
      throw Error::format("listing the images in {}: {}; removing the damaged image {} failed: {}",
                          where(), podman_reason(result), *damaged, podman_reason(rmi));
    }
    removed.insert(*damaged);
  }
}

std::vector<std::string> PodmanImageStore::pull_arguments(const PullRequest& request) {
  const auto& o = request.options;
  std::vector<std::string> args = {"pull", "--quiet"};
  auto add = [&args](const char* flag, const std::optional<std::string>& value) {
    if (value) {
      args.push_back(std::string(flag) + "=" + *value);
    }
  };
  add("--authfile", o.authfile);
  if (o.tls_verify) {
    args.push_back(*o.tls_verify ? "--tls-verify=true" : "--tls-verify=false");
  }
  add("--arch", o.arch);
  add("--os", o.os);
  add("--variant", o.variant);
  add("--cert-dir", o.cert_dir);
  add("--creds", o.creds);
  add("--decryption-key", o.decryption_key);
  if (o.all_tags.value_or(false)) {
    args.push_back("--all-tags");
  }
  args.push_back("--");
  args.push_back(request.reference);
  return args;
}

PulledImage PodmanImageStore::pull(const PullRequest& request) {
  // A password goes to podman in a private auth file, never in its argv (creds_authfile.hpp).
  PullRequest effective = request;
  std::optional<CredsAuthFile> creds_file;
  if (request.options.creds) {
    creds_file = CredsAuthFile::create(request.reference, *request.options.creds);
    if (creds_file) {
      effective.options.creds.reset();
      effective.options.authfile = creds_file->path();
    } else if (request.options.creds->find(':') != std::string::npos) {
      // A short name's registry is chosen by podman at pull time, so no auth file can name
      // it: the password would have to go on podman's argv, readable by every user.
      throw Error::format(
          "pulling {}: Creds= with a password needs a reference that names its registry "
          "(podman picks a short name's registry itself, and the password would be on its "
          "command line); write the registry in the reference or use AuthFile=",
          request.reference);
    }
  }
  auto result = run(pull_arguments(effective), request.timeout);
  if (!result.ok()) {
    throw Error::format("pulling {}: {}", request.reference,
                        podman_reason(result, request.options.creds.value_or("")));
  }
  // --quiet prints the image ID (one per tag with --all-tags): take the last.
  std::istringstream lines(result.out);
  std::string line;
  std::string id;
  while (std::getline(lines, line)) {
    if (!trim(line).empty()) {
      id = trim(line);
    }
  }
  return {util::bare_image_id(id)};
}

void PodmanImageStore::remove(const std::vector<std::string>& ids) {
  if (ids.empty()) {
    return;
  }
  std::vector<std::string> args = {"rmi", "--"};
  args.insert(args.end(), ids.begin(), ids.end());
  auto result = run(std::move(args));
  if (!result.ok()) {
    throw Error::format("removing {} image(s) from {}: {}", ids.size(), where(),
                        podman_reason(result));
  }
}

void PodmanImageStore::tag(const std::string& id, const std::string& name) {
  auto result = run({"tag", "--", id, name});
  if (!result.ok()) {
    throw Error::format("tagging {} as {}: {}", id, name, podman_reason(result));
  }
}

void PodmanImageStore::untag(const std::string& id, const std::string& name) {
  auto result = run({"untag", "--", id, name});
  if (!result.ok()) {
    throw Error::format("untagging {} from {}: {}", name, id, podman_reason(result));
  }
}

}  // namespace rootpin::podman
