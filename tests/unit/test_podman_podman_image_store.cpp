#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.hpp"
#include "src/podman/podman_image_store.hpp"

using namespace rootpin::podman;
using namespace rootpin::core;
namespace fs = std::filesystem;

namespace {

// A stand-in podman that records its argv (one word per line) and answers from a script.
struct FakePodman {
  fs::path dir;
  explicit FakePodman(const std::string& body) {
    char tmpl[] = "/tmp/rootpin-fakepodman-XXXXXX";
    dir = ::mkdtemp(tmpl);
    std::ofstream(dir / "podman") << "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > "
                                  << (dir / "argv").string() << "\n"
                                  << body << "\n";
    fs::permissions(dir / "podman", fs::perms::owner_all);
  }
  ~FakePodman() { fs::remove_all(dir); }
  std::string argv() const {
    std::ifstream in(dir / "argv");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  PodmanImageStore store() const {
    return PodmanImageStore({.podman = (dir / "podman").string(),
                             .root = "/s",
                             .runroot = "/r",
                             .storage_driver = "vfs",
                             .env = {}});
  }
};

}  // namespace

TEST_CASE("parse_image_listing reads podman 4.3's JSON") {
  auto images = parse_image_listing(R"([{"Id":"abc","Names":["localhost/a:1"],
      "RepoDigests":["localhost/a@sha256:11"],"Digest":"sha256:11","Size":42,"RepoTags":null},
      {"Id":"def","Names":null,"RepoDigests":null,"Size":7}])");
  REQUIRE(images.size() == 2);
  CHECK(images[0] ==
        StoredImage{"abc", {"localhost/a:1"}, {"localhost/a@sha256:11"}, "sha256:11", 42});
  CHECK(images[1].names.empty());
  CHECK(images[1].size == 7);
  // An ID is kept bare, however podman writes it (base/image_id.hpp).
  CHECK(parse_image_listing(R"([{"Id":"sha256:abc"}])").at(0).id == "abc");
  CHECK(parse_image_listing("").empty());
  CHECK_THROWS_AS(parse_image_listing("{not json"), rootpin::util::Error);
}

TEST_CASE("parse_image_listing gives an image with two names once, as podman 5 lists it") {
  // podman 4.3's `images --all --format json` repeats the image for each of its names.
  auto images = parse_image_listing(R"([{"Id":"abc","Names":["localhost/a:1","localhost/b:2"]},
      {"Id":"sha256:abc","Names":["localhost/a:1","localhost/b:2"]},{"Id":"def"}])");
  REQUIRE(images.size() == 2);
  CHECK(images[0].id == "abc");
  CHECK(images[0].names == std::vector<std::string>{"localhost/a:1", "localhost/b:2"});
  CHECK(images[1].id == "def");
}

TEST_CASE("pull options become podman pull flags, with -- before the reference") {
  PullRequest r{"quay.io/a/b:1", {}, std::chrono::seconds(5)};
  r.options.authfile = "/etc/auth.json";
  r.options.tls_verify = false;
  r.options.arch = "arm64";
  r.options.os = "linux";
  r.options.variant = "v8";
  r.options.cert_dir = "/certs";
  r.options.creds = "u:p";
  r.options.decryption_key = "/k.pem";
  r.options.all_tags = true;
  r.options.retry = 5;  // rootpin retries itself: podman 4.3 has no --retry
  CHECK(PodmanImageStore::pull_arguments(r) ==
        std::vector<std::string>{"pull", "--quiet", "--authfile=/etc/auth.json",
                                 "--tls-verify=false", "--arch=arm64", "--os=linux", "--variant=v8",
                                 "--cert-dir=/certs", "--creds=u:p", "--decryption-key=/k.pem",
                                 "--all-tags", "--", "quay.io/a/b:1"});
}

TEST_CASE("podman_reason keeps podman's Error: lines and hides the secret") {
  rootpin::util::ProcessResult r;
  r.exit_code = 125;
  r.err = "Trying to pull x...\nError: initializing source: user u:p unauthorized\n";
  CHECK(podman_reason(r, "u:p") == "initializing source: user *** unauthorized");
  r.err = "something odd\n";
  CHECK(podman_reason(r) == "something odd");
  r.err = "";
  CHECK(podman_reason(r) == "podman exit status 125");
}

TEST_CASE("PodmanImageStore runs podman with the store's global options") {
  FakePodman fake("echo '[{\"Id\":\"abc\",\"Names\":[\"x:1\"]}]'");
  auto store = fake.store();
  auto images = store.list();
  REQUIRE(images.size() == 1);
  CHECK(images[0].id == "abc");
  CHECK(fake.argv() ==
        "--root\n/s\n--runroot\n/r\n--tmpdir\n/r/libpod\n--storage-driver\nvfs\nimages\n--all\n--"
        "format\njson\n");
}

TEST_CASE("remove is one podman rmi for the whole batch") {
  FakePodman fake("exit 0");
  auto store = fake.store();
  store.remove({"id1", "id2", "id3"});
  CHECK(fake.argv().ends_with("rmi\n--\nid1\nid2\nid3\n"));
}

TEST_CASE("a failed pull names the reference and carries podman's reason, never the creds") {
  FakePodman fake(
      "echo 'Error: reading manifest 9 in localhost/x: manifest unknown' >&2; exit 125");
  auto store = fake.store();
  PullRequest r{"localhost/x:9", {}, std::chrono::seconds(5)};
  r.options.creds = "alice:s3cret";
  try {
    store.pull(r);
    FAIL("no error");
  } catch (const rootpin::util::Error& e) {
    std::string m = e.what();
    CHECK(m == "pulling localhost/x:9: reading manifest 9 in localhost/x: manifest unknown");
    CHECK(m.find("s3cret") == std::string::npos);
  }
}

TEST_CASE("pull returns the ID podman printed, without its algorithm prefix") {
  FakePodman fake("echo sha256:0123abcd");
  auto store = fake.store();
  CHECK(store.pull({"localhost/x:1", {}, std::chrono::seconds(5)}).id == "0123abcd");
}

TEST_CASE("damaged_image_id: the image podman says to remove, in its Error: or log= form") {
  const std::string id(64, 'a');
  CHECK(damaged_image_id("Error: checking if image \"" + id +
                         "\" is dangling: locating item named "
                         "\"manifest\" for image with ID \"" +
                         id +
                         "\" (consider removing the "
                         "image to resolve the issue): file does not exist") == id);
  CHECK(damaged_image_id("level=error msg=\"locating item named \\\"manifest\\\" for image with ID "
                         "\\\"" +
                         id + "\\\" (consider removing the image to resolve the issue)\"") == id);
  CHECK_FALSE(damaged_image_id("Error: short-name resolution enforced").has_value());
  CHECK_FALSE(
      damaged_image_id("for image with ID \"abc\" (consider removing the image").has_value());
}

TEST_CASE("list removes an image whose manifest a cut-short pull never wrote, then lists") {
  const std::string id(64, 'b');
  // First listing fails on the damaged image; rmi removes it; the second listing works.
  FakePodman podman(
      "case \"$(printf '%s\\n' \"$@\" | grep -xm1 -e images -e rmi)\" in\n"
      "images) if [ -f \"$(dirname \"$0\")/removed\" ]; then echo '[]'; exit 0; fi\n"
      "  echo 'Error: locating item named \"manifest\" for image with ID \"" +
      id +
      "\" (consider removing the image to resolve the issue): file does not exist' >&2; exit "
      "125;;\n"
      "rmi) echo \"$@\" > \"$(dirname \"$0\")/removed\"; exit 0;;\n"
      "esac\nexit 3");
  auto store = podman.store();
  CHECK(store.list().empty());
  std::ifstream removed(podman.dir / "removed");
  std::string rmi;
  std::getline(removed, rmi);
  CHECK(rmi.ends_with("rmi --force -- " + id));
}

TEST_CASE("list gives up when the same image stays damaged") {
  const std::string id(64, 'c');
  FakePodman podman(
      "case \"$(printf '%s\\n' \"$@\" | grep -xm1 -e images -e rmi)\" in\n"
      "images) echo 'Error: locating item named \"manifest\" for image with ID \"" +
      id +
      "\" (consider removing the image to resolve the issue)' >&2; exit 125;;\n"
      "rmi) exit 0;;\nesac\nexit 3");
  auto store = podman.store();
  CHECK_THROWS_WITH_AS(store.list(), doctest::Contains(id.c_str()), rootpin::util::Error);
}

TEST_CASE("Creds= reaches podman in a private auth file, never in its argv") {
  // The fake podman copies the auth file it is given and its mode while the pull runs.
  FakePodman fake(
      "for a in \"$@\"; do case $a in --authfile=*) f=${a#--authfile=};; esac; done\n"
      "cp \"$f\" \"$(dirname \"$0\")/auth-copy\"; stat -c %a \"$f\" \"$(dirname \"$f\")\" > "
      "\"$(dirname \"$0\")/modes\"; echo sha256:0123abcd");
  auto store = fake.store();
  PullRequest r{"registry.example:5000/acme/app:1", {}, std::chrono::seconds(5)};
  r.options.creds = "alice:s3cret";
  r.options.authfile = "/etc/unit-auth.json";  // --creds would win over it: so does the file
  CHECK(store.pull(r).id == "0123abcd");
  std::string argv = fake.argv();
  CHECK(argv.find("s3cret") == std::string::npos);
  CHECK(argv.find("--creds") == std::string::npos);
  CHECK(argv.find("/etc/unit-auth.json") == std::string::npos);
  auto authfile_at = argv.find("--authfile=");
  REQUIRE(authfile_at != std::string::npos);
  std::string path = argv.substr(authfile_at + 11, argv.find('\n', authfile_at) - authfile_at - 11);
  CHECK_FALSE(fs::exists(path));  // removed after the pull
  CHECK_FALSE(fs::exists(fs::path(path).parent_path()));
  std::ifstream copy(fake.dir / "auth-copy");
  std::stringstream text;
  text << copy.rdbuf();
  // base64("alice:s3cret"), keyed by the registry.
  CHECK(text.str() == R"({"auths":{"registry.example:5000":{"auth":"YWxpY2U6czNjcmV0"}}})");
  std::ifstream modes(fake.dir / "modes");
  std::stringstream m;
  m << modes.rdbuf();
  CHECK(m.str() == "600\n700\n");
}

TEST_CASE("Creds= without a password stays a --creds flag") {
  FakePodman fake("echo sha256:0123abcd");
  auto store = fake.store();
  PullRequest r{"registry.example/acme/app:1", {}, std::chrono::seconds(5)};
  r.options.creds = "alice";
  store.pull(r);
  CHECK(fake.argv().find("--creds=alice\n") != std::string::npos);
}

// Issue 11, point 8: a password for a short name would have to go on podman's argv (no
// auth file can name a registry podman picks itself): refused, podman never runs.
TEST_CASE("Creds= with a password for a short name is refused, never put on podman's argv") {
  FakePodman fake("echo sha256:0123abcd");
  auto store = fake.store();
  PullRequest s{"app:1", {}, std::chrono::seconds(5)};
  s.options.creds = "alice:pw";
  try {
    store.pull(s);
    FAIL("a short name with a password was pulled");
  } catch (const rootpin::util::Error& e) {
    CHECK(std::string(e.what()).find("names its registry") != std::string::npos);
    CHECK(std::string(e.what()).find("pw") == std::string::npos);
  }
  CHECK_FALSE(fs::exists(fake.dir / "argv"));  // podman never ran
}
