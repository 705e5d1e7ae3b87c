"""Crash at any instant (issue 6): `pin` and `gc` of admin pins, SIGKILLed by strace's fault
injection (lib/crash.py) on the real binary, store and registry.

Crash points in CI: every call of rootpin's own thread that touches the state dir (the lock
and ledger opened for writing, the temp file's write and fsync, the .prev link, the renames,
the fsync of the directory), and podman killed at its first three renames in the store (-f).
`tools/crash` sweeps every call of rename*, fsync, fdatasync, write, openat, unlink* and
linkat, of rootpin and (-f) of every tracee. After each crash: the ledger (or its previous
generation, which the rerun then reports) parses and was not lost, and every image it holds
is in the store at its digest. Then the same command again and a gc converge to the state a
run without faults left, nothing stored that nothing holds.
"""
import os

import crash


def final_state(rp, store):
    ledger = rp.ledger() or {}
    return {"pins": sorted((p["reference"], p["image_id"]) for p in ledger.get("pins", [])),
            "store": sorted(store.images())}


def sweep(rp, command, args):
    store = crash.Store(rp.store, rp.runroot, rp.env)
    snapshot = crash.Snapshot([rp.state_dir, rp.store, rp.runroot],
                              os.path.join(rp.base, "snapshot"))
    sw = crash.Sweep(command, rp.argv(*args), rp.env, rp.base, snapshot, crash.Tally(), rp.store)
    _, trace = sw.clean()
    rp.run("gc", check=True)
    expected = final_state(rp, store)
    points = crash.select_points(trace, [rp.state_dir + "/", rp.state_dir + ">"], children=3)
    assert points, f"the clean run of {command} made none of the calls swept"

    def check_crashed(c):
        ledger, c.note, lost = crash.load_ledger(rp.state_dir, had_ledger=True)
        if lost:
            return [lost]
        return crash.crashed_exit(c) + crash.missing_holds(ledger, None, store.images())

    def check_rerun(c, rerun):
        return crash.converged(c, rerun, rp.run("gc"), final_state(rp, store), expected)

    return sw.run(points, check_crashed, lambda c: rp.run(*args), check_rerun)


def test_crash_at_any_instant_of_pin(pins):
    images, rp = pins.images, pins.rp
    a, b = images.push("acme/a", "1"), images.push("acme/b", "1")
    rp.run("pin", a, check=True)
    rp.run("pin", a, "--reason", "again, so that ledger.json.prev exists", check=True)
    assert sweep(rp, "pin", ["pin", b]) == []


def test_crash_at_any_instant_of_gc(pins):
    images, rp = pins.images, pins.rp
    a, b, c = (images.push(f"acme/{n}", "1") for n in "abc")
    for ref in (a, b, c):
        rp.run("pin", ref, check=True)
    rp.run("unpin", b, check=True)
    rp.run("unpin", c, check=True)  # gc now removes b and c and keeps a
    assert sweep(rp, "gc", ["gc"]) == []


def damage(rp, ref):
    """What a podman killed mid-pull can leave (seen in the -f sweep): the image's record
    without its manifest. Every `podman images --all` then fails on it."""
    image_id = next(i["Id"] for i in rp.store_images() if ref in (i.get("Names") or []))
    for name in os.listdir(os.path.join(rp.store, "overlay-images", image_id)):
        if name == "manifest":
            os.remove(os.path.join(rp.store, "overlay-images", image_id, name))
    return image_id


def test_an_image_a_killed_pull_left_damaged_is_removed_and_pulled_again(pins):
    images, rp = pins.images, pins.rp
    a, b, c = (images.push(f"acme/{n}", "1") for n in "abc")
    rp.run("pin", a, check=True)
    rp.run("pin", b, check=True)
    rp.run("unpin", b, check=True)
    damaged_b = damage(rp, b)
    r = rp.run("pin", c)
    assert r.returncode == 0, r.stderr
    assert f"image {damaged_b} in {rp.store} is damaged" in r.stderr
    assert damaged_b not in rp.store_ids()
    # A held image that lost its manifest cannot run: it goes, and pinning it again repairs.
    damaged_a = damage(rp, a)
    r = rp.run("status", "--json")
    assert r.returncode == 0 and f"image {damaged_a}" in r.stderr, r.stderr
    assert rp.run("pin", a).returncode == 0
    assert damaged_a in rp.store_ids()
    rp.run("gc", check=True)
    assert sorted(p["image_id"] for p in rp.ledger()["pins"]) == rp.store_ids()
