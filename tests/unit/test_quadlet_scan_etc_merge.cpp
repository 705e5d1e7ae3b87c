// ostree's /etc merge on literal trees: what a staged deployment's /etc will hold.

#include <doctest/doctest.h>

#include <string>

#include "quadlet-scan/etc_merge.hpp"

using namespace quadlet_scan;

namespace {

constexpr std::uint32_t kFile = 0100644;
constexpr std::uint32_t kDir = 040755;
constexpr std::uint32_t kLink = 0120777;

EtcNode file(std::string content, std::uint32_t mode = kFile) {
  return EtcNode{FileKind::Regular, mode, 0, 0, std::move(content), false};
}
EtcNode dir() { return EtcNode{FileKind::Directory, kDir, 0, 0, {}, false}; }
EtcNode link(std::string target) {
  return EtcNode{FileKind::Symlink, kLink, 0, 0, std::move(target), false};
}

// /etc/containers/systemd with the given entries below it.
EtcTree tree(std::initializer_list<std::pair<const std::string, EtcNode>> below) {
  EtcTree t{{"containers", dir()}, {"containers/systemd", dir()}};
  for (const auto& [rel, node] : below) t.emplace("containers/systemd/" + rel, node);
  return t;
}

const MergedNode* at(const EtcMerge& m, const std::string& rel) {
  auto it = m.nodes.find("containers/systemd/" + rel);
  return it == m.nodes.end() ? nullptr : &it->second;
}

bool from(const EtcMerge& m, const std::string& rel, EtcSide side) {
  const MergedNode* n = at(m, rel);
  return n != nullptr && n->side == side;
}

}  // namespace

TEST_CASE("etc merge: an unchanged /etc is the new /usr/etc") {
  EtcTree booted = tree({{"web.container", file("v1")}});
  auto m =
      merge_etc(booted, booted, tree({{"web.container", file("v2")}, {"new.image", file("x")}}));
  CHECK(from(m, "web.container", EtcSide::New));
  CHECK(from(m, "new.image", EtcSide::New));
  CHECK(m.conflicts.empty());
}

TEST_CASE("etc merge: added, modified and deleted units") {
  EtcTree orig = tree({{"web.container", file("v1")}, {"db.container", file("d")}});
  EtcTree mod = tree({{"web.container", file("admin")}, {"mine.container", file("m")}});
  auto m = merge_etc(orig, mod,
                     tree({{"web.container", file("v2")},
                           {"db.container", file("d2")},
                           {"cache.container", file("c")}}));
  CHECK(from(m, "web.container", EtcSide::Booted));   // the admin's change wins
  CHECK(from(m, "mine.container", EtcSide::Booted));  // added
  CHECK(at(m, "db.container") == nullptr);            // deleted stays deleted
  CHECK(from(m, "cache.container", EtcSide::New));    // new in the new root
}

TEST_CASE("etc merge: a mode change alone makes a file the admin's") {
  EtcTree orig = tree({{"web.container", file("v1")}});
  EtcTree mod = tree({{"web.container", file("v1", 0100600)}});
  auto m = merge_etc(orig, mod, tree({{"web.container", file("v2")}}));
  CHECK(from(m, "web.container", EtcSide::Booted));
}

TEST_CASE("etc merge: unreadable content is never taken as unchanged") {
  EtcNode big = file("");
  big.unreadable = true;
  auto m = merge_etc(tree({{"x.container", big}}), tree({{"x.container", big}}),
                     tree({{"x.container", file("new")}}));
  CHECK(from(m, "x.container", EtcSide::Booted));
}

TEST_CASE("etc merge: drop-ins, added and removed with their directory") {
  EtcTree orig = tree({{"web.container.d", dir()}, {"web.container.d/10.conf", file("a")}});
  EtcTree mod = tree({{"db.container.d", dir()}, {"db.container.d/20.conf", file("b")}});
  auto m = merge_etc(orig, mod,
                     tree({{"web.container.d", dir()},
                           {"web.container.d/10.conf", file("a2")},
                           {"web.container.d/30.conf", file("n")}}));
  CHECK(at(m, "web.container.d") == nullptr);  // rm -rf, the new root's 30.conf too
  CHECK(at(m, "web.container.d/30.conf") == nullptr);
  CHECK(from(m, "db.container.d", EtcSide::Booted));
  CHECK(from(m, "db.container.d/20.conf", EtcSide::Booted));
}

TEST_CASE("etc merge: an added subdirectory merges into one the new root has") {
  EtcTree orig = tree({});
  EtcTree mod = tree({{"sub", dir()}, {"sub/mine.container", file("m")}});
  auto m = merge_etc(orig, mod, tree({{"sub", dir()}, {"sub/theirs.container", file("t")}}));
  CHECK(from(m, "sub", EtcSide::New));
  CHECK(from(m, "sub/mine.container", EtcSide::Booted));
  CHECK(from(m, "sub/theirs.container", EtcSide::New));
}

TEST_CASE("etc merge: symlinks are entries of their own") {
  EtcTree orig = tree({{"web.container", link("/usr/share/containers/systemd/a.container")}});
  EtcTree mod = tree({{"web.container", link("/usr/share/containers/systemd/b.container")},
                      {"db.container", link("/dev/null")}});
  auto m = merge_etc(orig, mod, tree({{"web.container", file("v2")}}));
  REQUIRE(at(m, "web.container") != nullptr);
  CHECK(at(m, "web.container")->kind == FileKind::Symlink);
  CHECK(at(m, "web.container")->link_target == "/usr/share/containers/systemd/b.container");
  CHECK(at(m, "db.container")->link_target == "/dev/null");
}

TEST_CASE("etc merge: type changes follow copy_modified_config_file") {
  SUBCASE("a file turned directory brings nothing into the new root's directory") {
    EtcTree orig = tree({{"sub", file("f")}});
    EtcTree mod = tree({{"sub", dir()}, {"sub/mine.container", file("m")}});
    auto m = merge_etc(orig, mod, tree({{"sub", dir()}}));
    CHECK(from(m, "sub", EtcSide::New));
    CHECK(at(m, "sub/mine.container") == nullptr);
    // Where the new root has none, the directory is copied whole.
    auto m2 = merge_etc(orig, mod, tree({}));
    CHECK(from(m2, "sub/mine.container", EtcSide::Booted));
  }
  SUBCASE("a directory turned file where the new root has a directory fails the merge") {
    EtcTree orig = tree({{"sub", dir()}});
    EtcTree mod = tree({{"sub", file("f")}});
    auto m = merge_etc(orig, mod, tree({{"sub", dir()}}));
    REQUIRE(m.conflicts.size() == 1);
    CHECK(m.conflicts[0].path == "/etc/containers/systemd/sub");
  }
  SUBCASE("FIFOs and devices are dropped, replacing what the new root had") {
    EtcNode fifo{FileKind::Other, 010644, 0, 0, {}, false};
    auto m = merge_etc(tree({}), tree({{"x.container", fifo}}), tree({{"x.container", file("n")}}));
    CHECK(at(m, "x.container") == nullptr);
  }
}

TEST_CASE("etc merge: the search path's own directories") {
  SUBCASE("deleted by the admin: gone, whatever the new root ships") {
    EtcTree mod{{"containers", dir()}};
    auto m =
        merge_etc(tree({{"web.container", file("a")}}), mod, tree({{"web.container", file("b")}}));
    CHECK(m.nodes.count("containers/systemd") == 0);
    CHECK(at(m, "web.container") == nullptr);
  }
  SUBCASE("made by the admin where the new root has none") {
    EtcTree mod = tree({{"only-here.container", file("o")}});
    auto m = merge_etc(EtcTree{}, mod, EtcTree{});
    CHECK(m.nodes.at("containers").side == EtcSide::Booted);
    CHECK(from(m, "only-here.container", EtcSide::Booted));
  }
}
