#pragma once
// Container image references: the distribution reference grammar
// (github.com/distribution/reference), with an optional "docker://" transport.

#include <expected>
#include <string>
#include <string_view>

namespace quadlet_scan {

struct ImageRef {
  std::string as_written;  // the input, unchanged
  std::string transport;   // "" or "docker://"
  std::string domain;      // "" when the reference has none (short name)
  std::string path;        // repository path, e.g. "acme/web"
  std::string tag;         // "" when absent
  std::string digest;      // "algo:hex", "" when absent

  bool has_digest() const { return !digest.empty(); }
  // domain/path[:tag][@digest], without transport.
  std::string without_transport() const;
  // domain/path (the repository name).
  std::string repository() const;
};

// Rejects, with a message that says why: empty, leading '-', whitespace or control
// characters, upper case in the path, bad tag or digest, over-long names (255).
std::expected<ImageRef, std::string> parse_image_ref(std::string_view text);

}  // namespace quadlet_scan
