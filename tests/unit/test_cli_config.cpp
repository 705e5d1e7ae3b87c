#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "base/error.hpp"
#include "src/cli/config.hpp"

namespace fs = std::filesystem;
using rootpin::cli::read_config;

namespace {

struct ConfigDir {
  fs::path dir;
  ConfigDir() {
    char tmpl[] = "/tmp/rootpin-config-XXXXXX";
    dir = ::mkdtemp(tmpl);
    fs::create_directories(dir / "rootpin.conf.d");
  }
  ~ConfigDir() { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
  }
};

}  // namespace

TEST_CASE("rootpin.conf then rootpin.conf.d in lexical order, later wins") {
  ConfigDir c;
  c.write("rootpin.conf", "[Rootpin]\nStateDir=/a\nJobs=2\n");
  c.write("rootpin.conf.d/20-b.conf", "[Rootpin]\nstate-dir=/c\n");
  c.write("rootpin.conf.d/10-a.conf", "[Rootpin]\nStateDir=/b\nStore=\"/s t\"\n");
  c.write("rootpin.conf.d/ignored.txt", "[Nope]\n");
  auto v = read_config("", c.dir.string());
  CHECK(v.at("state-dir").value == "/c");
  CHECK(v.at("jobs").value == "2");
  CHECK(v.at("store").value == "/s t");
  CHECK(v.at("state-dir").origin == (c.dir / "rootpin.conf.d/20-b.conf").string() + ":2");
}

TEST_CASE("an explicit --config file is the only one read") {
  ConfigDir c;
  c.write("rootpin.conf", "[Rootpin]\nJobs=2\n");
  c.write("other.conf", "[Rootpin]\nTimeout=9\n");
  auto v = read_config((c.dir / "other.conf").string(), c.dir.string());
  CHECK(v.size() == 1);
  CHECK(v.at("timeout").value == "9");
}

TEST_CASE("unknown keys and sections are errors naming file and line") {
  ConfigDir c;
  c.write("rootpin.conf", "[Rootpin]\nJobs=2\nColour=blue\n");
  CHECK_THROWS_WITH(read_config("", c.dir.string()),
                    ((c.dir / "rootpin.conf").string() + ":3: unknown key Colour=").c_str());
  c.write("rootpin.conf", "[Other]\n");
  CHECK_THROWS_AS(read_config("", c.dir.string()), rootpin::util::Error);
}

TEST_CASE("no configuration at all is fine") {
  ConfigDir c;
  CHECK(read_config("", (c.dir / "missing").string()).empty());
}
