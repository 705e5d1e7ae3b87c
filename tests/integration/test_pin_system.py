"""--pin-mode system (issue 13): images pulled into podman's own store (here a test-private
--root/--runroot standing in for the host's), each holder keeping its image with a created,
never-started placeholder container. Real podman, docker-registry and ostree sysroots."""
import json
import os
import subprocess

import pytest

import podman_leg
from roots_env import LATE_FAULTS, clear_late_fault, image_unit, late_fault

SYSTEM = ("--pin-mode", "system")


def host(rp, *args, check=True):
    """The host's own podman on the same store (an admin, or a unit's container)."""
    r = subprocess.run(rp.podman(*args), capture_output=True, text=True, env=rp.env)
    if check:
        assert r.returncode == 0, f"podman {args}: {r.stderr}"
    return r


def placeholders(podman_run):
    out = podman_run("ps", "-a", "--filter", "label=io.rootpin.holder", "--format", "json").stdout
    return {c["Names"][0]: c for c in json.loads(out or "[]")}


def ids(rp):
    return {i["Id"] for i in rp.store_images()}


def image_id(rp, ref):
    return next(i["Id"] for i in rp.store_images() if ref in (i.get("Names") or []))


def test_placeholder_holds_the_image_against_rmi_and_image_prune(pins):
    reg, images, rp = pins.reg, pins.images, pins.rp
    ref = images.push("acme/web", "1")
    r = rp.run(*SYSTEM, "pin", ref, "--reason", "front end", check=True)
    assert f"pinned {ref}" in r.stdout
    pid = image_id(rp, ref)
    held = placeholders(lambda *a: host(rp, *a))
    assert len(held) == 1
    (name, c), = held.items()
    assert name.startswith("rootpin-hold-pin-") and c["State"] == "created"
    assert c["ImageID"] == pid
    assert c["Labels"]["io.rootpin.holder"] == f"admin pin {ref}"
    assert c["Labels"]["io.rootpin.digest"].startswith("sha256:")
    ledger = rp.ledger()
    assert ledger["pin_mode"] == "system"
    assert [p["image_id"] for p in ledger["pulled"]] == [pid]
    # podman refuses rmi and keeps the image through image prune -a: a container uses it.
    r = host(rp, "rmi", ref, check=False)
    assert r.returncode != 0 and "in use by a container" in r.stderr
    host(rp, "image", "prune", "-a", "-f")
    assert pid in ids(rp)
    # Nothing runs in it, and a start by mistake runs nothing either.
    assert host(rp, "start", name, check=False).returncode != 0
    reg.stop()
    assert rp.run(*SYSTEM, "status", "--json", check=True)
    status = json.loads(rp.run(*SYSTEM, "status", "--json", check=True).stdout)
    assert status["store"]["pin_mode"] == "system" and status["store"]["placeholders"] == 1
    assert status["lost_placeholders"] == [] and status["missing"] == []


def test_gc_takes_only_what_rootpin_pulled_and_no_container_uses(pins):
    images, rp = pins.images, pins.rp
    hosts, ours, used = (images.push(f"acme/{n}", "1") for n in ("hosts", "ours", "used"))
    foreign = images.push("acme/foreign", "1")
    # The host had `hosts` and `foreign` before rootpin pinned anything.
    host(rp, "pull", "-q", "--tls-verify=false", hosts)
    host(rp, "pull", "-q", "--tls-verify=false", foreign)
    for ref in (hosts, ours, used):
        rp.run(*SYSTEM, "pin", ref, check=True)
    pulled = {p["reference"] for p in rp.ledger()["pulled"]}
    assert pulled == {ours, used}
    # A container of the host's uses `used`.
    host(rp, "create", "--pull=never", "--name", "app", "--entrypoint", "/hello", used)
    assert len(placeholders(lambda *a: host(rp, *a))) == 3
    for ref in (hosts, ours, used):
        rp.run(*SYSTEM, "unpin", ref, check=True)
    dry = rp.run(*SYSTEM, "gc", "--dry-run", check=True).stdout
    assert dry.count("would release placeholder") == 3 and ours in dry
    assert hosts not in dry.replace("would release", "") or "would remove" not in dry.split(hosts)[0]
    r = rp.run(*SYSTEM, "gc", check=True)
    assert r.stdout.count("releasing placeholder") == 3
    assert placeholders(lambda *a: host(rp, *a)) == {}
    left = {n for i in rp.store_images() for n in (i.get("Names") or [])}
    # Only rootpin's own unused pull went; the host's images and the one in use stay.
    assert left == {hosts, used, foreign}
    assert {p["reference"] for p in rp.ledger()["pulled"]} == {used}
    host(rp, "rm", "app")
    rp.run(*SYSTEM, "gc", check=True)
    left = {n for i in rp.store_images() for n in (i.get("Names") or [])}
    assert left == {hosts, foreign}
    assert rp.ledger().get("pulled", []) == []


def test_switching_pin_mode_with_pins_is_refused(pins):
    images, rp = pins.images, pins.rp
    ref = images.push("acme/web", "1")
    rp.run("pin", ref, check=True)
    before = rp.snapshot()
    r = rp.run(*SYSTEM, "pin", images.push("acme/other", "1"))
    assert r.returncode == 1
    assert "pin mode store" in r.stderr and "asks for pin mode system" in r.stderr
    assert "SWITCHING PIN MODES" in r.stderr
    assert rp.snapshot() == before
    # PinMode= in rootpin.conf is the same switch.
    with open(os.path.join(rp.config_dir, "rootpin.conf"), "w") as f:
        f.write("[Rootpin]\nPinMode=system\n")
    assert rp.run("gc").returncode == 1
    assert rp.snapshot() == before
    # Once nothing is held, the ledger takes the new mode.
    os.remove(os.path.join(rp.config_dir, "rootpin.conf"))
    rp.run("unpin", ref, check=True)
    rp.run("gc", check=True)
    rp.run(*SYSTEM, "pin", ref, check=True)
    assert rp.ledger()["pin_mode"] == "system"


def test_system_prune_then_status_and_bind_restore(roots):
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    root = roots.sysroot.root_ids()[0]
    out = roots.rootpin(*SYSTEM, "bind", check=0)
    assert f"bound {root}" in out.stdout
    (name, c), = placeholders(roots.podman).items()
    assert c["Labels"]["io.rootpin.root"] == root and c["Labels"]["io.rootpin.holder"] == "a.image"

    # container prune: the placeholder goes, the image stays (nothing else holds it now).
    roots.podman("container", "prune", "-f")
    status = json.loads(roots.rootpin(*SYSTEM, "status", "--json", check=0).stdout)
    assert [h["holder"] for h in status["lost_placeholders"]] == [f"a.image in {root}"]
    assert "lost placeholder" in roots.rootpin(*SYSTEM, "status", check=0).stdout
    out = roots.rootpin(*SYSTEM, "bind", check=0)
    assert f"re-created placeholder {name}" in out.stdout
    assert name in placeholders(roots.podman)

    # system prune -a: placeholder and image go; bind pulls it again by its digest.
    roots.podman("system", "prune", "-a", "-f")
    assert roots.images() == {}
    status = json.loads(roots.rootpin(*SYSTEM, "status", "--json", check=0).stdout)
    assert [m["holder"] for m in status["missing"]] == [f"a.image in {root}"]
    out = roots.rootpin(*SYSTEM, "bind", check=0)
    assert "1 pulled" in out.stdout
    assert roots.names() == [a]
    assert name in placeholders(roots.podman)
    status = json.loads(roots.rootpin(*SYSTEM, "status", "--json", check=0).stdout)
    assert status["missing"] == [] and status["lost_placeholders"] == []


def test_boot_pulls_what_a_prune_took_again_and_re_points_the_tag(roots):
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin(*SYSTEM, "bind", check=0)
    recorded = roots.ledger()["roots"][roots.sysroot.root_ids()[0]]["images"][0]
    roots.podman("system", "prune", "-a", "-f")
    # The registry's tag moves on meanwhile: boot brings back the recorded digest.
    roots.push("acme/a", "1", content="newer")
    out = roots.rootpin(*SYSTEM, "boot", "--deployment", "0", check=0)
    assert f"re-pulled {a.rsplit(':', 1)[0]}@{recorded['digest']}" in out.stdout
    assert list(roots.images()) == [recorded["image_id"]]
    assert a in roots.images()[recorded["image_id"]]
    assert len(placeholders(roots.podman)) == 1


def test_retired_root_is_freed_by_gc(roots):
    a, b = roots.push("acme/a", "1"), roots.push("acme/b", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin(*SYSTEM, "bind", check=0)
    old_root = roots.sysroot.root_ids()[0]
    roots.commit({"b.image": image_unit(b)}, "2.0")
    roots.rootpin(*SYSTEM, "upgrade", check=0)
    assert sorted(roots.names()) == sorted([a, b])
    assert len(placeholders(roots.podman)) == 2
    # ostree retires the old root; gc drops its record, then its placeholder, then its image.
    roots.sysroot.undeploy(1)
    out = roots.rootpin(*SYSTEM, "gc", check=0)
    assert "releasing placeholder" in out.stdout and old_root in out.stdout
    assert roots.names() == [b]
    held = placeholders(roots.podman)
    assert len(held) == 1 and next(iter(held.values()))["Labels"]["io.rootpin.holder"] == "b.image"
    assert old_root not in roots.ledger()["roots"]



def test_check_names_each_holder_that_lost_its_placeholder_or_image(roots):
    a, b, tool = roots.push("acme/a", "1"), roots.push("acme/b", "1"), roots.push("acme/tool", "1")
    roots.boot_os({"a.image": image_unit(a), "b.image": image_unit(b)})
    root = roots.sysroot.root_ids()[0]

    # registries.conf marks the test registry insecure: an admin pin's pull options are not
    # recorded, so pulling it again (by any command) reads them from there.
    def rootpin(*args, check):
        return roots.rootpin_env(roots.pusher.env(), *SYSTEM, *args, check=check)

    def events(rc):
        return [json.loads(line) for line in rootpin("check", "--json", check=rc).stdout.splitlines()]

    rootpin("bind", check=0)
    rootpin("pin", tool, check=0)
    assert "3 images checked in 1 root and the admin pins: all present" in \
        rootpin("check", check=0).stdout
    names = {c["Labels"]["io.rootpin.holder"]: n for n, c in placeholders(roots.podman).items()}

    # container prune: every placeholder goes, the images stay but nothing pins them.
    roots.podman("container", "prune", "-f")
    out = rootpin("check", check=1).stdout
    for ref, holder in ((a, f"a.image in {root}"), (b, f"b.image in {root}"),
                        (tool, "an admin pin")):
        assert f"LOST PLACEHOLDER: {ref} for {holder} lost its placeholder" in out
    assert "3 images checked in 1 root and the admin pins: 3 problems" in out
    got = events(1)
    lost = {(e["holder"], e["unit"]): e["placeholder"] for e in got
            if e["event"] == "lost_placeholder"}
    assert lost == {(root, "a.image"): names["a.image"], (root, "b.image"): names["b.image"],
                    ("pin", ""): names[f"admin pin {tool}"]}
    assert got[-1]["lost_placeholders"] == 3 and got[-1]["passed"] is False
    # The next bind re-creates every lost placeholder (the pin's too); check is clean again.
    rootpin("bind", check=0)
    assert events(0)[-1]["passed"] is True

    # system prune -a: placeholders and images go; check names each image as missing, and
    # pin (an admin's run) brings everything back by its recorded digest.
    roots.podman("system", "prune", "-a", "-f")
    got = events(1)
    missing = {(e["holder"], e["unit"]) for e in got if e["event"] == "missing"}
    assert missing == {(root, "a.image"), (root, "b.image"), ("pin", "")}
    assert got[-1]["missing"] == 3 and got[-1]["lost_placeholders"] == 0
    rootpin("pin", tool, check=0)
    assert "all present" in rootpin("check", check=0).stdout
    assert set(placeholders(roots.podman)) == set(names.values())


def test_rmi_of_one_of_several_tags_is_noticed_and_put_back(roots):
    a = roots.push("acme/a", "1")
    latest = a.rsplit(":", 1)[0] + ":latest"
    roots.boot_os({"a.image": image_unit(a)})
    root = roots.sysroot.root_ids()[0]
    roots.rootpin(*SYSTEM, "bind", check=0)
    # podman refuses an image a container uses, not one of its names: rmi of a tag of an
    # image that has another one only removes that tag.
    roots.podman("tag", a, latest)
    roots.podman("rmi", a)
    assert roots.names() == [latest]
    out = roots.rootpin(*SYSTEM, "check", check=1).stdout
    assert f"UNTAGGED: {a} for a.image in {root} is untagged: no image carries {a} any more" in out
    # bind puts the tag back on the image the root was bound with: no registry request (the
    # repository is gone from the registry, a pull would fail).
    roots.forget_at_registry("acme/a")
    out = roots.rootpin(*SYSTEM, "bind", check=0).stdout
    assert f"{a} -> " in out and "0 pulled" in out
    assert roots.names() == sorted([a, latest])
    roots.rootpin(*SYSTEM, "check", check=0)


def test_upgrade_whose_image_cannot_be_pulled_is_undone_and_leaves_no_placeholder(roots):
    a, good = roots.push("acme/a", "1"), roots.push("acme/good", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin(*SYSTEM, "bind", check=0)
    old_root = roots.sysroot.root_ids()[0]
    before = (roots.sysroot.root_ids(), roots.ledger(), set(placeholders(roots.podman)))
    missing = f"{roots.registry.host}/acme/missing:1"
    roots.commit({"a.image": image_unit(a), "good.image": image_unit(good),
                  "zz.image": image_unit(missing)}, "2.0")
    out = roots.rootpin(*SYSTEM, "upgrade")
    assert out.returncode == 1, out.stderr
    assert missing in out.stderr and "zz.image" in out.stderr
    # The new deployment is undone, the ledger as before, no placeholder for the new root
    # (good:1 was pulled and held, then let go again), the live root's images still held.
    assert (roots.sysroot.root_ids(), roots.ledger(), set(placeholders(roots.podman))) == before
    held = placeholders(roots.podman)
    assert {c["Labels"]["io.rootpin.root"] for c in held.values()} == {old_root}
    assert [c["Labels"]["io.rootpin.holder"] for c in held.values()] == ["a.image"]
    assert roots.names() == [a]


def state(roots):
    return (roots.sysroot.root_ids(), roots.ledger(), set(placeholders(roots.podman)),
            roots.images())


@pytest.mark.parametrize("fault", LATE_FAULTS)
def test_upgrade_failing_after_its_placeholders_leaves_the_store_as_it_was(roots, fault):
    """A failure after the new root's placeholders exist (a later create, the ledger's save)
    undoes the new root, its placeholders and the images the upgrade pulled; what was there
    before (the live root's hold, an image the host had) stays, and nothing leaks."""
    a, hosts, n1, n2 = (roots.push(f"acme/{n}", "1") for n in ("a", "hosts", "n1", "n2"))
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin(*SYSTEM, "bind", check=0)
    roots.podman("pull", "-q", "--tls-verify=false", hosts)  # the host's own image
    units = {"a.image": image_unit(a), "hosts.image": image_unit(hosts),
             "n1.image": image_unit(n1), "n2.image": image_unit(n2)}
    roots.commit(units, "2.0")
    before = state(roots)
    out = roots.rootpin(*SYSTEM, "upgrade", podman=late_fault(roots.tmp, roots.state, fault))
    assert out.returncode == 1 and "undone" in out.stderr, out.stderr
    clear_late_fault(roots.tmp, roots.state)
    assert state(roots) == before
    roots.rootpin(*SYSTEM, "upgrade", check=0)
    assert len(placeholders(roots.podman)) == 5
    assert {p["image_id"] for p in roots.ledger()["pulled"]} == \
        {i for i, names in roots.images().items() if hosts not in names}


def test_bind_failing_after_its_placeholders_leaves_the_store_as_it_was(roots):
    a, n1, n2 = (roots.push(f"acme/{n}", "1") for n in ("a", "n1", "n2"))
    roots.boot_os({"a.image": image_unit(a), "n1.image": image_unit(n1),
                   "n2.image": image_unit(n2)})
    roots.podman("pull", "-q", "--tls-verify=false", a)  # the host's own image
    before = state(roots)
    out = roots.rootpin(*SYSTEM, "bind",
                        podman=late_fault(roots.tmp, roots.state, "placeholder create"))
    assert out.returncode == 1 and "injected fault" in out.stderr, out.stderr
    clear_late_fault(roots.tmp, roots.state)
    assert state(roots) == before
    roots.rootpin(*SYSTEM, "bind", check=0)
    assert len(placeholders(roots.podman)) == 3


def test_pin_whose_ledger_save_fails_leaves_the_store_as_it_was(roots):
    a, b = roots.push("acme/a", "1"), roots.push("acme/b", "1")
    roots.boot_os({})

    def pin(*args, podman=None, check=None):
        return roots.rootpin_env(roots.pusher.env(), *SYSTEM, "pin", *args, check=check,
                                 podman=podman)
    pin(a, check=0)
    before = state(roots)
    out = pin(b, podman=late_fault(roots.tmp, roots.state, "ledger save"))
    assert out.returncode == 1 and "ledger.json.prev" in out.stderr, out.stderr
    clear_late_fault(roots.tmp, roots.state)
    assert state(roots) == before


def test_a_pull_that_only_names_the_hosts_image_again_does_not_make_it_rootpins(pins):
    """The pull of another tag of an image the host has stores no new image: it stays the
    host's, so gc never removes it (ledger.pulled holds only images rootpin brought)."""
    images, rp = pins.images, pins.rp
    ref = images.push("acme/web", "1")
    alias = ref.rsplit(":", 1)[0] + ":alias"
    images.run(["push", "-q", "--tls-verify=false", "localhost/acme/web:1", alias])
    host(rp, "pull", "-q", "--tls-verify=false", ref)
    rp.run(*SYSTEM, "pin", alias, check=True)
    assert rp.ledger().get("pulled", []) == []
    rp.run(*SYSTEM, "unpin", alias, check=True)
    rp.run(*SYSTEM, "gc", check=True)
    assert ref in {n for i in rp.store_images() for n in (i.get("Names") or [])}


def test_boot_re_points_a_tag_moved_behind_rootpins_back(roots):
    """`rootpin boot` in pin mode system: the booted root's tag names the image it was
    bound with again, in podman's own store, where the units look for it."""
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin(*SYSTEM, "bind", check=0)
    bound = roots.ledger()["roots"][roots.sysroot.root_ids()[0]]["images"][0]["image_id"]
    other = roots.push("acme/a", "2")
    roots.podman("pull", "-q", "--tls-verify=false", other)
    roots.podman("tag", other, a)
    assert a not in roots.images()[bound]
    out = roots.rootpin(*SYSTEM, "boot", "--deployment", "0", check=0)
    assert "1 tags re-pointed" in out.stdout, out.stdout
    assert a in roots.images()[bound]
    assert len(placeholders(roots.podman)) == 1


def test_a_failed_bind_keeps_the_repairs_it_made(roots):
    """What a failed run repaired for the holds of the saved ledger (a placeholder and an
    image that a system prune took) stays: the saved ledger holds them, nothing is new."""
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin(*SYSTEM, "bind", check=0)
    before = state(roots)
    roots.podman("system", "prune", "-a", "-f")
    assert roots.images() == {}
    out = roots.rootpin(*SYSTEM, "bind", podman=late_fault(roots.tmp, roots.state, "ledger save"))
    assert out.returncode == 1 and "ledger.json.prev" in out.stderr, out.stderr
    clear_late_fault(roots.tmp, roots.state)
    assert state(roots) == before
    roots.rootpin(*SYSTEM, "check", check=0)


def test_a_boot_whose_ledger_save_fails_takes_back_the_image_it_pulled_again(roots):
    """`rootpin boot` pulls again an image that a system prune took. When gc has since
    forgotten that image (it was gone), only boot's save would record it as rootpin's
    (ledger.pulled): kept without that record, gc would never remove it. A boot whose save
    fails takes it back with its placeholder; the next boot pulls it again and records it."""
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin(*SYSTEM, "bind", check=0)
    roots.podman("system", "prune", "-a", "-f")
    roots.rootpin(*SYSTEM, "gc", check=0)
    assert roots.ledger().get("pulled", []) == []
    before = state(roots)
    out = roots.rootpin(*SYSTEM, "boot", "--deployment", "0",
                        podman=late_fault(roots.tmp, roots.state, "ledger save"))
    assert out.returncode == 1 and "ledger.json.prev" in out.stderr, out.stderr
    clear_late_fault(roots.tmp, roots.state)
    assert state(roots) == before
    roots.rootpin(*SYSTEM, "boot", "--deployment", "0", check=0)
    assert [p["image_id"] for p in roots.ledger()["pulled"]] == list(roots.images())
    roots.rootpin(*SYSTEM, "check", check=0)


def names_of(rp):
    return {n for i in rp.store_images() for n in (i.get("Names") or [])}


def crash_at_rmi(rp, *args):
    """rootpin SIGKILLed as it starts `podman rmi`: after its untags, before the removal."""
    kill = podman_leg.wrapper(os.path.join(rp.base, "podman-crash-at-rmi"),
                              'case " $* " in *" rmi "*) kill -KILL $PPID; exit 137;; esac')
    argv = rp.argv(*SYSTEM, *args)
    if "--podman" in argv:
        argv[argv.index("--podman") + 1] = kill
    else:
        argv[1:1] = ["--podman", kill]
    return subprocess.run(argv, capture_output=True, text=True, env=rp.env, timeout=300)


def test_gc_removes_an_image_pulled_again_by_its_digest_and_tagged(pins):
    """An image a prune took and a later run pulled again by its recorded digest carries two
    names, its digest name and the pin's tag: both are rootpin's, so gc untags one and
    removes the image (podman refuses rmi by ID of an image with two names). A gc killed
    between the untag and the rmi leaves it rootpin's: the next gc removes it."""
    images, rp = pins.images, pins.rp
    ref, other = images.push("acme/web", "1"), images.push("acme/other", "1")
    rp.run(*SYSTEM, "pin", ref, check=True)
    host(rp, "system", "prune", "-a", "-f")
    rp.run(*SYSTEM, "gc", check=True)   # forgets the gone image in ledger.pulled
    rp.run(*SYSTEM, "pin", other, check=True)   # pulls ref's image again by its digest
    again = image_id(rp, ref)
    assert len([n for n in names_of(rp) if n.startswith(ref.rsplit(":", 1)[0])]) == 2
    rp.run(*SYSTEM, "unpin", ref, check=True)
    assert crash_at_rmi(rp, "gc").returncode == -9
    assert again in ids(rp) and len([n for n in names_of(rp) if "acme/web" in n]) == 1
    assert again in {p["image_id"] for p in rp.ledger()["pulled"]}
    r = rp.run(*SYSTEM, "gc")
    assert r.returncode == 0, r.stderr
    assert again not in ids(rp)
    assert [p["reference"] for p in rp.ledger()["pulled"]] == [other]


def test_gc_leaves_an_image_the_admin_tagged_and_untags_only_rootpins_names(pins):
    """podman's store is shared with the admin: a name rootpin never gave an image it pulled
    (an admin's `podman tag`) is the admin's. gc takes rootpin's names away, leaves the image
    to the admin's name, says so (exit 0: nothing is left undone that was rootpin's) and
    forgets the image in ledger.pulled, so that later gc runs leave it alone silently."""
    images, rp = pins.images, pins.rp
    ref = images.push("acme/web", "1")
    alias = ref.rsplit(":", 1)[0] + ":alias"
    images.run(["push", "-q", "--tls-verify=false", "localhost/acme/web:1", alias])
    rp.run(*SYSTEM, "pin", ref, alias, check=True)
    pid = image_id(rp, ref)
    host(rp, "tag", pid, "localhost/admin/keep:1")
    rp.run(*SYSTEM, "unpin", ref, alias, check=True)
    dry = rp.run(*SYSTEM, "gc", "--dry-run", check=True)
    assert "would untag" in dry.stderr and "localhost/admin/keep:1" in dry.stderr, dry.stderr
    assert names_of(rp) == {ref, alias, "localhost/admin/keep:1"}
    r = rp.run(*SYSTEM, "gc")
    assert r.returncode == 0, r.stderr
    assert pid[:12] in r.stderr and "localhost/admin/keep:1" in r.stderr, r.stderr
    assert ids(rp) == {pid} and names_of(rp) == {"localhost/admin/keep:1"}
    assert placeholders(lambda *a: host(rp, *a)) == {}
    assert rp.ledger().get("pulled", []) == []
    r = rp.run(*SYSTEM, "gc", check=True)
    assert "localhost/admin/keep:1" not in r.stderr and ids(rp) == {pid}
