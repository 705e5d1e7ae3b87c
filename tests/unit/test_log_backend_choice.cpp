#include "src/log/backend_choice.hpp"

#include <doctest/doctest.h>

using rootpin::log::Backend;
using rootpin::log::choose_backend;
using rootpin::log::LogEnvironment;
using rootpin::log::parse_backend;
using rootpin::log::StderrIdentity;

namespace {
LogEnvironment with_stderr(dev_t dev, ino_t ino) {
  LogEnvironment env;
  env.stderr_id = StderrIdentity{dev, ino};
  return env;
}
}  // namespace

TEST_CASE("Auto picks stderr outside systemd") {
  CHECK(choose_backend(Backend::Auto, with_stderr(64768, 1234)) == Backend::Stderr);
  CHECK(choose_backend(Backend::Auto, LogEnvironment{}) == Backend::Stderr);
}

TEST_CASE("Auto picks the journal when stderr is the stream systemd connected") {
  LogEnvironment env = with_stderr(8, 42);
  env.journal_stream = "8:42";
  CHECK(choose_backend(Backend::Auto, env) == Backend::Journal);
}

TEST_CASE("an inherited JOURNAL_STREAM that is not our stderr does not count") {
  // A unit's child that redirected stderr to a file or a terminal keeps the variable.
  LogEnvironment env = with_stderr(8, 43);
  env.journal_stream = "8:42";
  CHECK(choose_backend(Backend::Auto, env) == Backend::Stderr);
  env.journal_stream = "8:42x";
  CHECK(choose_backend(Backend::Auto, env) == Backend::Stderr);
  env.journal_stream = ":42";
  CHECK(choose_backend(Backend::Auto, env) == Backend::Stderr);
  env.journal_stream = "garbage";
  CHECK(choose_backend(Backend::Auto, env) == Backend::Stderr);
}

TEST_CASE("Auto picks the journal when running as a unit") {
  LogEnvironment env = with_stderr(1, 1);
  env.invocation_id = "4b1e5c3a0f0a4ad5b1b0d4a8b5d9e2a1";
  CHECK(choose_backend(Backend::Auto, env) == Backend::Journal);
  env.invocation_id = "";
  CHECK(choose_backend(Backend::Auto, env) == Backend::Stderr);
}

TEST_CASE("ROOTPIN_LOG overrides the caller and the detection") {
  LogEnvironment env = with_stderr(8, 42);
  env.journal_stream = "8:42";
  env.rootpin_log = "stderr";
  CHECK(choose_backend(Backend::Auto, env) == Backend::Stderr);
  CHECK(choose_backend(Backend::Journal, env) == Backend::Stderr);
  env = LogEnvironment{};
  env.rootpin_log = "journal";
  CHECK(choose_backend(Backend::Stderr, env) == Backend::Journal);
  env.rootpin_log = "auto";
  CHECK(choose_backend(Backend::Journal, env) == Backend::Stderr);
  env.rootpin_log = "syslog";  // invalid: ignored, the caller's choice stands
  CHECK(choose_backend(Backend::Journal, env) == Backend::Journal);
}

TEST_CASE("parse_backend names the bad value") {
  CHECK(parse_backend("journal").value() == Backend::Journal);
  CHECK(parse_backend("stderr").value() == Backend::Stderr);
  CHECK(parse_backend("auto").value() == Backend::Auto);
  auto bad = parse_backend("Journal");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().find("ROOTPIN_LOG=Journal") != std::string::npos);
}
