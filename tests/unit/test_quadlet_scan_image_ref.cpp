#include <doctest/doctest.h>

#include <string>

#include "quadlet-scan/image_ref.hpp"

using quadlet_scan::ImageRef;
using quadlet_scan::parse_image_ref;

namespace {

const std::string kHex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

ImageRef parse_ok(std::string_view text) {
  auto ref = parse_image_ref(text);
  REQUIRE_MESSAGE(ref.has_value(), (ref ? "" : ref.error()));
  return *ref;
}

std::string parse_error(std::string_view text) {
  auto ref = parse_image_ref(text);
  REQUIRE_MESSAGE(!ref.has_value(), "accepted: " << std::string(text));
  return ref.error();
}

}  // namespace

TEST_CASE("image_ref: domain, path and tag") {
  const auto ref = parse_ok("quay.io/acme/web:1.4");
  CHECK(ref.as_written == "quay.io/acme/web:1.4");
  CHECK(ref.transport.empty());
  CHECK(ref.domain == "quay.io");
  CHECK(ref.path == "acme/web");
  CHECK(ref.tag == "1.4");
  CHECK(ref.digest.empty());
  CHECK_FALSE(ref.has_digest());
  CHECK(ref.repository() == "quay.io/acme/web");
  CHECK(ref.without_transport() == "quay.io/acme/web:1.4");
}

TEST_CASE("image_ref: port, digest, transport, IPv6, short names") {
  const auto local = parse_ok("localhost:5000/a/b@sha256:" + kHex64);
  CHECK(local.domain == "localhost:5000");
  CHECK(local.path == "a/b");
  CHECK(local.tag.empty());
  CHECK(local.digest == "sha256:" + kHex64);
  CHECK(local.has_digest());

  const auto both = parse_ok("docker://registry.example.com:443/team/app:v2@sha256:" + kHex64);
  CHECK(both.transport == "docker://");
  CHECK(both.domain == "registry.example.com:443");
  CHECK(both.tag == "v2");
  CHECK(both.without_transport() == "registry.example.com:443/team/app:v2@sha256:" + kHex64);

  const auto v6 = parse_ok("[::1]:5000/x");
  CHECK(v6.domain == "[::1]:5000");
  CHECK(v6.path == "x");

  const auto short_name = parse_ok("busybox");
  CHECK(short_name.domain.empty());
  CHECK(short_name.path == "busybox");
  CHECK(short_name.repository() == "busybox");

  // No '.', ':' or "localhost": the first component is a path, not a registry.
  const auto library = parse_ok("library/debian:bookworm");
  CHECK(library.domain.empty());
  CHECK(library.path == "library/debian");

  // A port without a path is a tag.
  const auto tag_not_port = parse_ok("localhost:5000");
  CHECK(tag_not_port.path == "localhost");
  CHECK(tag_not_port.tag == "5000");

  CHECK(parse_ok("acme/a.b-c_d__e---f/g:_Tag.9-x").path == "acme/a.b-c_d__e---f/g");
  // A first component with a dot names a registry (as docker reads it), so it must be a host.
  CHECK(parse_error("a_b.c/x").find("invalid registry host") != std::string::npos);
  CHECK(parse_ok("Registry.Example.COM/x").domain == "Registry.Example.COM");
  CHECK(parse_ok("x:" + std::string(128, 't')).tag.size() == 128);
  CHECK(parse_ok("x@sha512:" + kHex64 + kHex64).has_digest());
  CHECK(parse_ok(std::string(255, 'a')).path.size() == 255);
}

TEST_CASE("image_ref: rejected with a reason") {
  struct Case {
    std::string text;
    std::string reason;
  };
  const Case cases[] = {
      {"", "empty"},
      {"docker://", "empty"},
      {"--root=/x", "starts with '-'"},
      {"-x", "starts with '-'"},
      {"a b", "whitespace"},
      {"a\tb", "whitespace"},
      {"busybox\n", "whitespace"},
      {"busy\x1b[31mbox", "control character"},
      {"busy\x7f", "control character"},
      {"caf\xC3\xA9", "non-ASCII"},
      {"Upper/case", "upper case"},
      {"quay.io/Acme/web", "upper case"},
      {"x:", "empty tag"},
      {"x:-tag", "must start"},
      {"x:a+b", "may hold only"},
      {"x:" + std::string(129, 't'), "at most 128"},
      {"@sha256:short", "64 lower-case hex"},
      {"@sha256:" + kHex64, "no repository"},
      {"x@sha256:short", "64 lower-case hex"},
      {"x@sha256:" + std::string(64, 'A'), "lower-case hex"},
      {"x@md5:" + kHex64, "unsupported digest algorithm"},
      {"x@" + kHex64, "algorithm:hex"},
      {"x@", "empty digest"},
      {std::string(256, 'a'), "at most 255"},
      {"quay.io/" + std::string(248, 'a'), "at most 255"},
      {"a//b", "empty path component"},
      {"a/", "empty path component"},
      {"/a", "empty path component"},
      {"a..b", "separators"},
      {"a___b", "separators"},
      {"a_", "ends with separator"},
      {"a-", "ends with separator"},
      {"_a", "must start"},
      {"a/b!c", "'!'"},
      {"quay..io/x", "empty label"},
      {"-quay.io/x", "starts with '-'"},
      {"quay-.io/x", "invalid registry host"},
      {"quay.io:/x", "invalid port"},
      {"quay.io:80a/x", "invalid port"},
      {"[::1/x", "unterminated '['"},
      {"[zz]:5000/x", "IPv6"},
      {"[::1]x/y", "after ']'"},
      {"oci:///tmp/image", "unsupported transport"},
      {"containers-storage://x", "unsupported transport"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const std::string error = parse_error(c.text);
    CHECK_MESSAGE(error.find(c.reason) != std::string::npos, error);
    CHECK(error.starts_with("invalid image reference"));
  }
}

TEST_CASE("image_ref: messages do not carry raw control bytes and stay short") {
  const std::string error = parse_error("evil\x1b]0;title\x07");
  CHECK(error.find('\x1b') == std::string::npos);
  CHECK(error.find("\\x1b") != std::string::npos);
  const std::string long_error = parse_error(std::string(100000, 'a') + " b");
  CHECK(long_error.size() < 400);
}
