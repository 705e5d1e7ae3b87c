"""Crash at any instant (issue 6) in pin mode system (issue 13): the new writes are the
placeholders, created after the pull and before the record (`pin`), and removed after the
retirement is recorded and before the image (`gc`). SIGKILL by strace's fault injection
(lib/crash.py) at every call of rootpin's own thread that touches the state dir, and podman
killed at its first renames in the store (-f: inside `podman create` and `podman rm`).

After each crash: the ledger (or its previous generation) parses, every image it holds is in
the store at its digest, and every hold it records has its placeholder (a record is written
only after its placeholder exists; a placeholder is removed only after its hold's record
is gone). Then the same command again and a gc converge to the state a run without faults
left: the same pins, images and placeholders.
"""
import json
import os
import subprocess

import crash
import podman_leg

SYSTEM = ("--pin-mode", "system")


def placeholders(rp):
    r = subprocess.run(rp.podman("ps", "-a", "--filter", "label=io.rootpin.holder", "--format",
                                 "json"), capture_output=True, text=True, env=rp.env)
    assert r.returncode == 0, r.stderr
    return {(c["Labels"].get("io.rootpin.holder", ""), c["ImageID"])
            for c in json.loads(r.stdout or "[]")}


def final_state(rp, store):
    ledger = rp.ledger() or {}
    return {"pins": sorted((p["reference"], p["image_id"]) for p in ledger.get("pins", [])),
            "store": sorted(store.images()),
            "placeholders": sorted(placeholders(rp))}


def unheld_placeholders(ledger, rp):
    """Holds the ledger records whose placeholder is gone."""
    have = placeholders(rp)
    return [f"admin pin {p['reference']}: no placeholder" for p in (ledger or {}).get("pins", [])
            if (f"admin pin {p['reference']}", p["image_id"]) not in have]


def sweep(rp, command, args):
    store = crash.Store(rp.store, rp.runroot, rp.env)
    snapshot = crash.Snapshot([rp.state_dir, rp.store, rp.runroot],
                              os.path.join(rp.base, "snapshot"))
    if podman_leg.LEG != "host":  # its own line in the crash points report
        command = f"{command}-{podman_leg.LEG}"
    sw = crash.Sweep(command, rp.argv(*SYSTEM, *args), rp.env, rp.base, snapshot, crash.Tally(),
                     rp.store)
    _, trace = sw.clean()
    rp.run(*SYSTEM, "gc", check=True)
    expected = final_state(rp, store)
    points = crash.select_points(trace, [rp.state_dir + "/", rp.state_dir + ">"], children=4)
    assert points, f"the clean run of {command} made none of the calls swept"

    def check_crashed(c):
        ledger, c.note, lost = crash.load_ledger(rp.state_dir, had_ledger=True)
        if lost:
            return [lost]
        return (crash.crashed_exit(c) + crash.missing_holds(ledger, None, store.images()) +
                unheld_placeholders(ledger, rp))

    def check_rerun(c, rerun):
        return crash.converged(c, rerun, rp.run(*SYSTEM, "gc"), final_state(rp, store), expected)

    return sw.run(points, check_crashed, lambda c: rp.run(*SYSTEM, *args), check_rerun)


def test_crash_at_any_instant_of_pin_in_system_mode(pins):
    images, rp = pins.images, pins.rp
    a, b = images.push("acme/a", "1"), images.push("acme/b", "1")
    rp.run(*SYSTEM, "pin", a, check=True)
    rp.run(*SYSTEM, "pin", a, "--reason", "again, so that ledger.json.prev exists", check=True)
    assert sweep(rp, "pin-system", ["pin", b]) == []


def test_crash_at_any_instant_of_gc_in_system_mode(pins):
    images, rp = pins.images, pins.rp
    a, b, c = (images.push(f"acme/{n}", "1") for n in "abc")
    for ref in (a, b, c):
        rp.run(*SYSTEM, "pin", ref, check=True)
    rp.run(*SYSTEM, "unpin", b, check=True)
    rp.run(*SYSTEM, "unpin", c, check=True)  # gc releases b's and c's placeholders and images
    assert sweep(rp, "gc-system", ["gc"]) == []
