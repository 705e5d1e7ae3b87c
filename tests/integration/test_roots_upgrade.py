"""rootpin bind / upgrade / gc / boot on real ostree sysroots, a real registry and podman."""
import json
import os

from roots_env import clear_late_fault, image_unit, late_fault


def test_bind_then_upgrade_pins_new_images_and_reuses_the_rest(roots):
    a = roots.push("acme/a", "1")
    b = roots.push("acme/b", "1")
    roots.boot_os({"a.image": image_unit(a), "b.image": image_unit(b)})
    old_root = roots.sysroot.root_ids()[0]

    out = roots.rootpin("bind", check=0)
    assert f"bound {old_root}: 2 images (2 pulled, 0 already present)" in out.stdout
    assert roots.names() == sorted([a, b])
    recorded = roots.ledger()["roots"][old_root]["images"]
    assert sorted(i["unit"] for i in recorded) == ["a.image", "b.image"]
    assert all(i["digest"].startswith("sha256:") and len(i["image_id"]) == 64 for i in recorded)

    c = roots.push("acme/c", "1")
    roots.commit({"a.image": image_unit(a), "b.image": image_unit(b), "c.image": image_unit(c)}, "2.0")
    # a and b are unchanged: with them gone from the registry, any request for them fails.
    roots.forget_at_registry("acme/a")
    roots.forget_at_registry("acme/b")
    before_a, before_b = len(roots.requests_for("acme/a")), len(roots.requests_for("acme/b"))

    out = roots.rootpin("upgrade", check=0)
    ids = roots.sysroot.root_ids()
    assert len(ids) == 2 and ids[1] == old_root
    new_root = ids[0]
    assert f"deployed {new_root} (2.0)" in out.stdout
    # Zero registry requests for the unchanged images.
    assert len(roots.requests_for("acme/a")) == before_a
    assert len(roots.requests_for("acme/b")) == before_b
    assert len(roots.requests_for("acme/c")) > 0
    assert roots.names() == sorted([a, b, c])
    ledger = roots.ledger()
    assert set(ledger["roots"]) == {old_root, new_root}
    assert sorted(i["reference"] for i in ledger["roots"][new_root]["images"]) == sorted([a, b, c])

    status = roots.rootpin("status", check=0).stdout
    assert "pending" in status and "rollback" in status and "2.0" in status


def test_upgrade_with_nothing_new_changes_nothing(roots):
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin("bind", check=0)
    before = roots.sysroot.root_ids()
    out = roots.rootpin("upgrade", check=0)
    assert "no new commit for testos" in out.stdout
    assert roots.sysroot.root_ids() == before
    assert roots.names() == [a]


def test_upgrade_whose_image_is_missing_is_undone(roots):
    a = roots.push("acme/a", "1")
    good = roots.push("acme/good", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin("bind", check=0)
    before_roots = roots.sysroot.root_ids()
    before_ledger = roots.ledger()
    before_images = roots.images()

    missing = f"{roots.registry.host}/acme/missing:1"
    roots.commit({"a.image": image_unit(a), "good.image": image_unit(good),
                "zz.image": image_unit(missing)}, "2.0")
    out = roots.rootpin("upgrade")
    assert out.returncode == 1, out.stderr
    assert missing in out.stderr and "zz.image" in out.stderr
    assert roots.sysroot.root_ids() == before_roots
    assert roots.ledger() == before_ledger
    assert roots.images() == before_images  # good:1 was pulled, then removed again


def test_upgrade_with_the_registry_down_is_undone(roots):
    a = roots.push("acme/a", "1")
    b = roots.push("acme/b", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin("bind", check=0)
    before = (roots.sysroot.root_ids(), roots.ledger(), roots.images())
    roots.commit({"a.image": image_unit(a), "b.image": image_unit(b)}, "2.0")
    roots.registry.__exit__(None, None, None)
    out = roots.rootpin("upgrade", "--timeout", "20")
    assert out.returncode == 1, out.stderr
    assert b in out.stderr and "b.image" in out.stderr
    assert (roots.sysroot.root_ids(), roots.ledger(), roots.images()) == before


def test_undeploy_then_gc_frees_only_what_the_old_root_held(roots):
    shared = roots.push("acme/shared", "1")
    old_only = roots.push("acme/old", "1")
    new_only = roots.push("acme/new", "1")
    roots.boot_os({"s.image": image_unit(shared), "o.image": image_unit(old_only)})
    roots.rootpin("bind", check=0)
    roots.commit({"s.image": image_unit(shared), "n.image": image_unit(new_only)}, "2.0")
    roots.rootpin("upgrade", check=0)
    old_root = roots.sysroot.root_ids()[1]
    assert roots.names() == sorted([shared, old_only, new_only])

    roots.sysroot.undeploy(1)
    roots.rootpin("gc", check=0)
    assert roots.names() == sorted([shared, new_only])
    assert old_root not in roots.ledger()["roots"]


def test_a_pinned_deployment_keeps_its_images_through_gc(roots):
    old_only = roots.push("acme/old", "1")
    new_only = roots.push("acme/new", "1")
    roots.boot_os({"o.image": image_unit(old_only)})
    roots.rootpin("bind", check=0)
    roots.sysroot.pin(0)
    roots.commit({"n.image": image_unit(new_only)}, "2.0")
    roots.rootpin("upgrade", check=0)
    roots.commit({"n.image": image_unit(new_only)}, "3.0")
    roots.rootpin("upgrade", check=0)
    # ostree kept the pinned 1.0 root through two upgrades; so does gc.
    assert len(roots.sysroot.root_ids()) == 3
    roots.rootpin("gc", check=0)
    assert old_only in roots.names()
    roots.sysroot.pin(2, unpin=True)
    roots.sysroot.undeploy(2)
    roots.rootpin("gc", check=0)
    assert old_only not in roots.names()


def test_a_live_root_without_a_record_is_rescanned_not_emptied(roots):
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin("bind", check=0)
    for name in ("ledger.json", "ledger.json.prev"):
        if os.path.exists(os.path.join(roots.state, name)):
            os.remove(os.path.join(roots.state, name))
    roots.rootpin("gc", check=0)
    assert roots.names() == [a]


def test_boot_repoints_a_floating_tag_at_each_roots_digest(roots):
    v1 = roots.push("acme/float", "latest", "first\n")
    # Policy=newer: each root's bind asks the registry what the tag names now.
    floating = image_unit(v1).replace("Policy=missing", "Policy=newer")
    roots.boot_os({"f.image": floating})
    roots.rootpin("bind", check=0)
    first_id = roots.ledger()["roots"][roots.sysroot.root_ids()[0]]["images"][0]["image_id"]

    roots.push("acme/float", "latest", "second\n")  # the tag moves at the registry
    roots.commit({"f.image": floating, "other.image": image_unit(roots.push("acme/o", "1"))}, "2.0")
    roots.rootpin("upgrade", check=0)
    new_root, old_root = roots.sysroot.root_ids()
    second_id = roots.ledger()["roots"][new_root]["images"][0]["image_id"]
    assert second_id != first_id
    assert {first_id, second_id} <= set(roots.images())  # both digests stay pinned

    roots.rootpin("boot", "--deployment", "1", check=0)  # "booted" into the rollback
    assert v1 in roots.images()[first_id]
    out = roots.rootpin("boot", "--deployment", "0", check=0)
    assert v1 in roots.images()[second_id]
    assert "1 tags re-pointed" in out.stdout
    out = roots.rootpin("boot", "--deployment", "0", check=0)
    assert "0 tags re-pointed, 2 already right" in out.stdout


def test_dry_run_prints_the_plan_and_changes_nothing(roots):
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    out = roots.rootpin("bind", "--dry-run", check=0)
    assert "0 present, 1 to pull" in out.stdout and a in out.stdout
    assert roots.images() == {}
    assert not os.path.exists(os.path.join(roots.state, "ledger.json"))


def test_check_says_whether_an_update_exists_and_deploys_nothing(roots):
    a = roots.push("acme/a", "1")
    b = roots.push("acme/b", "1")
    roots.boot_os({"a.image": image_unit(a)})
    out = roots.rootpin("upgrade", "--check", check=0)
    assert "no update for testos" in out.stdout
    roots.rootpin("bind", check=0)
    roots.commit({"a.image": image_unit(a), "b.image": image_unit(b)}, "2.0")
    before = (roots.sysroot.root_ids(), roots.ledger(), roots.images())
    requests = roots.registry.request_count()

    out = roots.rootpin("upgrade", "--check", check=0)
    rev = roots.repo.rev()
    assert f"update available for testos: origin:testos/x86_64/stable 2.0 ({rev})" in out.stdout
    # What the new commit's tree binds, planned against the store: a is there, b is not.
    assert f"plan for testos/{rev}: 1 present, 1 to pull" in out.stdout
    lines = out.stdout.splitlines()
    assert any(l.split()[:2] == ["present", a] and "a.image" in l for l in lines), out.stdout
    assert any(l.split()[:2] == ["pull", b] and "b.image" in l for l in lines), out.stdout
    out = roots.rootpin("--json", "upgrade", "--check", check=0)
    events = [json.loads(l) for l in out.stdout.splitlines()]
    assert events[0]["event"] == "update_available" and events[0]["checksum"] == rev
    assert sorted((e["action"], e["reference"]) for e in events[1:]) == [("present", a), ("pull", b)]
    # Nothing deployed, pulled or recorded; the temp checkout is gone.
    assert (roots.sysroot.root_ids(), roots.ledger(), roots.images()) == before
    assert roots.registry.request_count() == requests
    assert not [n for n in os.listdir(os.path.join(roots.sysroot.repo, "tmp"))
                if n.startswith("rootpin-check-")]

    roots.rootpin("upgrade", check=0)  # checking does not hide the update
    assert len(roots.sysroot.root_ids()) == 2


def image_root(roots, ref):
    """A root directory (not an ostree deployment) that binds a.image naming ref."""
    root = os.path.join(roots.tmp, "image-root")
    os.makedirs(os.path.join(root, "usr/share/containers/systemd"))
    os.makedirs(os.path.join(root, "usr/lib/rootpin/bound-images.d"))
    with open(os.path.join(root, "usr/share/containers/systemd/a.image"), "w") as f:
        f.write(image_unit(ref))
    os.symlink("/usr/share/containers/systemd/a.image",
               os.path.join(root, "usr/lib/rootpin/bound-images.d/a.image"))
    return root


def test_bind_a_root_directory_under_its_own_id(roots):
    a = roots.push("acme/a", "1")
    roots.boot_os({})
    root = image_root(roots, a)
    roots.rootpin("bind", "--root", root, "--root-id", "builder/1", check=0)
    assert [i["unit"] for i in roots.ledger()["roots"]["builder/1"]["images"]] == ["a.image"]
    assert roots.names() == [a]
    out = roots.rootpin("bind", "--root", root)
    assert out.returncode == 2 and "--root-id" in out.stderr


def test_upgrade_with_nothing_new_re_pulls_a_live_roots_missing_image(roots):
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin("bind", check=0)
    image_id = roots.ledger()["roots"][roots.sysroot.root_ids()[0]]["images"][0]["image_id"]
    roots.podman("rmi", "-f", image_id)
    assert roots.images() == {}
    out = roots.rootpin("upgrade", check=0)
    assert "re-pulled missing 127.0.0.1" in out.stdout
    assert image_id in roots.images()  # the very image the root was bound with, by digest


def test_a_root_bound_with_root_is_held_until_forgotten(roots):
    """Issue 11, point 7: a root bound with --root is no ostree deployment, so gc used to
    count it as retired and remove its images silently. It is held until `rootpin forget`,
    and status shows it as such."""
    a = roots.push("acme/a", "1")
    roots.boot_os({})
    roots.rootpin("bind", check=0)  # the deployment: bound, holding nothing
    root = image_root(roots, a)
    roots.rootpin("bind", "--root", root, "--root-id", "builder/1", check=0)

    roots.rootpin("gc", check=0)
    assert "builder/1" in roots.ledger()["roots"]
    assert roots.names() == [a]
    # check covers it as a live root (issue 12): its image removed behind rootpin's back is
    # named; bind brings it back.
    assert "1 image checked in 2 roots and the admin pins: all present" in \
        roots.rootpin("check", check=0).stdout
    roots.podman("rmi", "-f", a)
    out = roots.rootpin("check", check=1).stdout
    assert f"MISSING: {a} for a.image in builder/1 is missing" in out
    roots.rootpin("bind", "--root", root, "--root-id", "builder/1", check=0)
    roots.rootpin("check", check=0)
    status = roots.rootpin("status", check=0).stdout
    assert "builder/1" in status and "rootpin forget builder/1" in status
    listed = json.loads(roots.rootpin("status", "--json", check=0).stdout)["roots"]
    [held] = [r for r in listed if r["root"] == "builder/1"]
    assert held["held_dir"] == root and len(held["images"]) == 1

    # An ostree deployment is not forgotten by hand: ostree retires it.
    [deployment] = [r["root"] for r in listed if r["root"] != "builder/1"]
    out = roots.rootpin("forget", deployment)
    assert out.returncode == 1 and "ostree" in out.stderr, out.stderr
    out = roots.rootpin("forget", "nobody/1")
    assert out.returncode == 1 and "nobody/1" in out.stderr, out.stderr

    out = roots.rootpin("forget", "builder/1", check=0)
    assert "forgot builder/1" in out.stdout
    assert "builder/1" not in roots.ledger()["roots"]
    assert "0 images checked in 1 root" in roots.rootpin("check", check=0).stdout
    roots.rootpin("gc", check=0)
    assert roots.names() == []


def test_upgrade_whose_ledger_save_fails_is_undone_with_what_it_pulled(roots):
    """A failure after the pulls (here the ledger's save) undoes the new root and removes
    the images the upgrade pulled: the store is as it was, nothing left for a gc."""
    a, b = roots.push("acme/a", "1"), roots.push("acme/b", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin("bind", check=0)
    roots.commit({"a.image": image_unit(a), "b.image": image_unit(b)}, "2.0")
    before = (roots.sysroot.root_ids(), roots.ledger(), roots.images())
    out = roots.rootpin("upgrade", podman=late_fault(roots.tmp, roots.state, "ledger save"))
    assert out.returncode == 1 and "undone" in out.stderr and "ledger.json.prev" in out.stderr
    clear_late_fault(roots.tmp, roots.state)
    assert (roots.sysroot.root_ids(), roots.ledger(), roots.images()) == before
