"""rootpin bind / upgrade / gc / boot on real ostree sysroots, a real registry and podman."""
import json
import os

import pytest

from roots_env import Env, clear_late_fault, image_unit, late_fault


@pytest.fixture
def env(rootpin_bin, tmp):
    e = Env(rootpin_bin, tmp)
    yield e
    e.close()


def test_bind_then_upgrade_pins_new_images_and_reuses_the_rest(env):
    a = env.push("acme/a", "1")
    b = env.push("acme/b", "1")
    env.boot_os({"a.image": image_unit(a), "b.image": image_unit(b)})
    old_root = env.sysroot.root_ids()[0]

    out = env.rootpin("bind", check=0)
    assert f"bound {old_root}: 2 images (2 pulled, 0 already present)" in out.stdout
    assert env.names() == sorted([a, b])
    recorded = env.ledger()["roots"][old_root]["images"]
    assert sorted(i["unit"] for i in recorded) == ["a.image", "b.image"]
    assert all(i["digest"].startswith("sha256:") and len(i["image_id"]) == 64 for i in recorded)

    c = env.push("acme/c", "1")
    env.commit({"a.image": image_unit(a), "b.image": image_unit(b), "c.image": image_unit(c)}, "2.0")
    # a and b are unchanged: with them gone from the registry, any request for them fails.
    env.forget_at_registry("acme/a")
    env.forget_at_registry("acme/b")
    before_a, before_b = len(env.requests_for("acme/a")), len(env.requests_for("acme/b"))

    out = env.rootpin("upgrade", check=0)
    roots = env.sysroot.root_ids()
    assert len(roots) == 2 and roots[1] == old_root
    new_root = roots[0]
    assert f"deployed {new_root} (2.0)" in out.stdout
    # Zero registry requests for the unchanged images.
    assert len(env.requests_for("acme/a")) == before_a
    assert len(env.requests_for("acme/b")) == before_b
    assert len(env.requests_for("acme/c")) > 0
    assert env.names() == sorted([a, b, c])
    ledger = env.ledger()
    assert set(ledger["roots"]) == {old_root, new_root}
    assert sorted(i["reference"] for i in ledger["roots"][new_root]["images"]) == sorted([a, b, c])

    status = env.rootpin("status", check=0).stdout
    assert "pending" in status and "rollback" in status and "2.0" in status


def test_upgrade_with_nothing_new_changes_nothing(env):
    a = env.push("acme/a", "1")
    env.boot_os({"a.image": image_unit(a)})
    env.rootpin("bind", check=0)
    before = env.sysroot.root_ids()
    out = env.rootpin("upgrade", check=0)
    assert "no new commit for testos" in out.stdout
    assert env.sysroot.root_ids() == before
    assert env.names() == [a]


def test_upgrade_whose_image_is_missing_is_undone(env):
    a = env.push("acme/a", "1")
    good = env.push("acme/good", "1")
    env.boot_os({"a.image": image_unit(a)})
    env.rootpin("bind", check=0)
    before_roots = env.sysroot.root_ids()
    before_ledger = env.ledger()
    before_images = env.images()

    missing = f"{env.registry.host}/acme/missing:1"
    env.commit({"a.image": image_unit(a), "good.image": image_unit(good),
                "zz.image": image_unit(missing)}, "2.0")
    out = env.rootpin("upgrade")
    assert out.returncode == 1, out.stderr
    assert missing in out.stderr and "zz.image" in out.stderr
    assert env.sysroot.root_ids() == before_roots
    assert env.ledger() == before_ledger
    assert env.images() == before_images  # good:1 was pulled, then removed again


def test_upgrade_with_the_registry_down_is_undone(env):
    a = env.push("acme/a", "1")
    b = env.push("acme/b", "1")
    env.boot_os({"a.image": image_unit(a)})
    env.rootpin("bind", check=0)
    before = (env.sysroot.root_ids(), env.ledger(), env.images())
    env.commit({"a.image": image_unit(a), "b.image": image_unit(b)}, "2.0")
    env.registry.__exit__(None, None, None)
    out = env.rootpin("upgrade", "--timeout", "20")
    assert out.returncode == 1, out.stderr
    assert b in out.stderr and "b.image" in out.stderr
    assert (env.sysroot.root_ids(), env.ledger(), env.images()) == before


def test_undeploy_then_gc_frees_only_what_the_old_root_held(env):
    shared = env.push("acme/shared", "1")
    old_only = env.push("acme/old", "1")
    new_only = env.push("acme/new", "1")
    env.boot_os({"s.image": image_unit(shared), "o.image": image_unit(old_only)})
    env.rootpin("bind", check=0)
    env.commit({"s.image": image_unit(shared), "n.image": image_unit(new_only)}, "2.0")
    env.rootpin("upgrade", check=0)
    old_root = env.sysroot.root_ids()[1]
    assert env.names() == sorted([shared, old_only, new_only])

    env.sysroot.undeploy(1)
    env.rootpin("gc", check=0)
    assert env.names() == sorted([shared, new_only])
    assert old_root not in env.ledger()["roots"]


def test_a_pinned_deployment_keeps_its_images_through_gc(env):
    old_only = env.push("acme/old", "1")
    new_only = env.push("acme/new", "1")
    env.boot_os({"o.image": image_unit(old_only)})
    env.rootpin("bind", check=0)
    env.sysroot.pin(0)
    env.commit({"n.image": image_unit(new_only)}, "2.0")
    env.rootpin("upgrade", check=0)
    env.commit({"n.image": image_unit(new_only)}, "3.0")
    env.rootpin("upgrade", check=0)
    # ostree kept the pinned 1.0 root through two upgrades; so does gc.
    assert len(env.sysroot.root_ids()) == 3
    env.rootpin("gc", check=0)
    assert old_only in env.names()
    env.sysroot.pin(2, unpin=True)
    env.sysroot.undeploy(2)
    env.rootpin("gc", check=0)
    assert old_only not in env.names()


def test_a_live_root_without_a_record_is_rescanned_not_emptied(env):
    a = env.push("acme/a", "1")
    env.boot_os({"a.image": image_unit(a)})
    env.rootpin("bind", check=0)
    for name in ("ledger.json", "ledger.json.prev"):
        if os.path.exists(os.path.join(env.state, name)):
            os.remove(os.path.join(env.state, name))
    env.rootpin("gc", check=0)
    assert env.names() == [a]


def test_boot_repoints_a_floating_tag_at_each_roots_digest(env):
    v1 = env.push("acme/float", "latest", "first\n")
    # Policy=newer: each root's bind asks the registry what the tag names now.
    floating = image_unit(v1).replace("Policy=missing", "Policy=newer")
    env.boot_os({"f.image": floating})
    env.rootpin("bind", check=0)
    first_id = env.ledger()["roots"][env.sysroot.root_ids()[0]]["images"][0]["image_id"]

    env.push("acme/float", "latest", "second\n")  # the tag moves at the registry
    env.commit({"f.image": floating, "other.image": image_unit(env.push("acme/o", "1"))}, "2.0")
    env.rootpin("upgrade", check=0)
    new_root, old_root = env.sysroot.root_ids()
    second_id = env.ledger()["roots"][new_root]["images"][0]["image_id"]
    assert second_id != first_id
    assert {first_id, second_id} <= set(env.images())  # both digests stay pinned

    env.rootpin("boot", "--deployment", "1", check=0)  # "booted" into the rollback
    assert v1 in env.images()[first_id]
    out = env.rootpin("boot", "--deployment", "0", check=0)
    assert v1 in env.images()[second_id]
    assert "1 tags re-pointed" in out.stdout
    out = env.rootpin("boot", "--deployment", "0", check=0)
    assert "0 tags re-pointed, 2 already right" in out.stdout


def test_dry_run_prints_the_plan_and_changes_nothing(env):
    a = env.push("acme/a", "1")
    env.boot_os({"a.image": image_unit(a)})
    out = env.rootpin("bind", "--dry-run", check=0)
    assert "0 present, 1 to pull" in out.stdout and a in out.stdout
    assert env.images() == {}
    assert not os.path.exists(os.path.join(env.state, "ledger.json"))


def test_check_says_whether_an_update_exists_and_deploys_nothing(env):
    a = env.push("acme/a", "1")
    b = env.push("acme/b", "1")
    env.boot_os({"a.image": image_unit(a)})
    out = env.rootpin("upgrade", "--check", check=0)
    assert "no update for testos" in out.stdout
    env.rootpin("bind", check=0)
    env.commit({"a.image": image_unit(a), "b.image": image_unit(b)}, "2.0")
    before = (env.sysroot.root_ids(), env.ledger(), env.images())
    requests = env.registry.request_count()

    out = env.rootpin("upgrade", "--check", check=0)
    rev = env.repo.rev()
    assert f"update available for testos: origin:testos/x86_64/stable 2.0 ({rev})" in out.stdout
    # What the new commit's tree binds, planned against the store: a is there, b is not.
    assert f"plan for testos/{rev}: 1 present, 1 to pull" in out.stdout
    lines = out.stdout.splitlines()
    assert any(l.split()[:2] == ["present", a] and "a.image" in l for l in lines), out.stdout
    assert any(l.split()[:2] == ["pull", b] and "b.image" in l for l in lines), out.stdout
    out = env.rootpin("--json", "upgrade", "--check", check=0)
    events = [json.loads(l) for l in out.stdout.splitlines()]
    assert events[0]["event"] == "update_available" and events[0]["checksum"] == rev
    assert sorted((e["action"], e["reference"]) for e in events[1:]) == [("present", a), ("pull", b)]
    # Nothing deployed, pulled or recorded; the temp checkout is gone.
    assert (env.sysroot.root_ids(), env.ledger(), env.images()) == before
    assert env.registry.request_count() == requests
    assert not [n for n in os.listdir(os.path.join(env.sysroot.repo, "tmp"))
                if n.startswith("rootpin-check-")]

    env.rootpin("upgrade", check=0)  # checking does not hide the update
    assert len(env.sysroot.root_ids()) == 2


def image_root(env, ref):
    """A root directory (not an ostree deployment) that binds a.image naming ref."""
    root = os.path.join(env.tmp, "image-root")
    os.makedirs(os.path.join(root, "usr/share/containers/systemd"))
    os.makedirs(os.path.join(root, "usr/lib/rootpin/bound-images.d"))
    with open(os.path.join(root, "usr/share/containers/systemd/a.image"), "w") as f:
        f.write(image_unit(ref))
    os.symlink("/usr/share/containers/systemd/a.image",
               os.path.join(root, "usr/lib/rootpin/bound-images.d/a.image"))
    return root


def test_bind_a_root_directory_under_its_own_id(env):
    a = env.push("acme/a", "1")
    env.boot_os({})
    root = image_root(env, a)
    env.rootpin("bind", "--root", root, "--root-id", "builder/1", check=0)
    assert [i["unit"] for i in env.ledger()["roots"]["builder/1"]["images"]] == ["a.image"]
    assert env.names() == [a]
    out = env.rootpin("bind", "--root", root)
    assert out.returncode == 2 and "--root-id" in out.stderr


def test_upgrade_with_nothing_new_re_pulls_a_live_roots_missing_image(env):
    a = env.push("acme/a", "1")
    env.boot_os({"a.image": image_unit(a)})
    env.rootpin("bind", check=0)
    image_id = env.ledger()["roots"][env.sysroot.root_ids()[0]]["images"][0]["image_id"]
    env.podman("rmi", "-f", image_id)
    assert env.images() == {}
    out = env.rootpin("upgrade", check=0)
    assert "re-pulled missing 127.0.0.1" in out.stdout
    assert image_id in env.images()  # the very image the root was bound with, by digest


def test_a_root_bound_with_root_is_held_until_forgotten(env):
    """Issue 11, point 7: a root bound with --root is no ostree deployment, so gc used to
    count it as retired and remove its images silently. It is held until `rootpin forget`,
    and status shows it as such."""
    a = env.push("acme/a", "1")
    env.boot_os({})
    env.rootpin("bind", check=0)  # the deployment: bound, holding nothing
    root = image_root(env, a)
    env.rootpin("bind", "--root", root, "--root-id", "builder/1", check=0)

    env.rootpin("gc", check=0)
    assert "builder/1" in env.ledger()["roots"]
    assert env.names() == [a]
    # check covers it as a live root (issue 12): its image removed behind rootpin's back is
    # named; bind brings it back.
    assert "1 image checked in 2 roots and the admin pins: all present" in \
        env.rootpin("check", check=0).stdout
    env.podman("rmi", "-f", a)
    out = env.rootpin("check", check=1).stdout
    assert f"MISSING: {a} for a.image in builder/1 is missing" in out
    env.rootpin("bind", "--root", root, "--root-id", "builder/1", check=0)
    env.rootpin("check", check=0)
    status = env.rootpin("status", check=0).stdout
    assert "builder/1" in status and "rootpin forget builder/1" in status
    roots = json.loads(env.rootpin("status", "--json", check=0).stdout)["roots"]
    [held] = [r for r in roots if r["root"] == "builder/1"]
    assert held["held_dir"] == root and len(held["images"]) == 1

    # An ostree deployment is not forgotten by hand: ostree retires it.
    [deployment] = [r["root"] for r in roots if r["root"] != "builder/1"]
    out = env.rootpin("forget", deployment)
    assert out.returncode == 1 and "ostree" in out.stderr, out.stderr
    out = env.rootpin("forget", "nobody/1")
    assert out.returncode == 1 and "nobody/1" in out.stderr, out.stderr

    out = env.rootpin("forget", "builder/1", check=0)
    assert "forgot builder/1" in out.stdout
    assert "builder/1" not in env.ledger()["roots"]
    assert "0 images checked in 1 root" in env.rootpin("check", check=0).stdout
    env.rootpin("gc", check=0)
    assert env.names() == []


def test_upgrade_whose_ledger_save_fails_is_undone_with_what_it_pulled(env):
    """A failure after the pulls (here the ledger's save) undoes the new root and removes
    the images the upgrade pulled: the store is as it was, nothing left for a gc."""
    a, b = env.push("acme/a", "1"), env.push("acme/b", "1")
    env.boot_os({"a.image": image_unit(a)})
    env.rootpin("bind", check=0)
    env.commit({"a.image": image_unit(a), "b.image": image_unit(b)}, "2.0")
    before = (env.sysroot.root_ids(), env.ledger(), env.images())
    out = env.rootpin("upgrade", podman=late_fault(env.tmp, env.state, "ledger save"))
    assert out.returncode == 1 and "undone" in out.stderr and "ledger.json.prev" in out.stderr
    clear_late_fault(env.tmp, env.state)
    assert (env.sysroot.root_ids(), env.ledger(), env.images()) == before
