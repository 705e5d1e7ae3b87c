"""Crash at any instant (issue 6): `bind`, `upgrade` and `gc` of roots on a real ostree
sysroot, SIGKILLed by strace's fault injection (lib/crash.py).

Crash points in CI: every call of rootpin's own thread that touches the state dir (the lock
and ledger opened for writing, the temp file's write and fsync, the .prev link, the renames,
the fsync of the directory); for `upgrade`, also libostree's renames in the sysroot's boot/
(the deployment becoming the default: its origin file, ostree/boot.N, the boot/loader swap); podman killed at its first renames in the store (-f)
for `bind` and `gc`. `tools/crash` sweeps every call of rename*, fsync, fdatasync, write,
openat, unlink* and linkat, of rootpin (libostree included) and (-f) of every tracee.
After each crash: the ledger (or its previous generation, which the rerun then reports)
parses and was not lost; every image that a live root's record or an admin pin holds is in
the store at its digest; a live deployment without a record is one that `status --json`
reports as not bound. Then the same command again and a gc converge to the state a run
without faults left: every deployment bound, its images present, nothing else stored.
"""
import json
import os

import crash
from roots_env import image_unit


def argv(roots, *args):
    return [roots.bin, "--sysroot", roots.sysroot.path, "--state-dir", roots.state, "--store",
            roots.store, "--runroot", os.path.join(roots.tmp, "run"), "--config-dir",
            os.path.join(roots.tmp, "config")] + list(args)


def commit_of(root_id):
    """osname/checksum of a root id: a deploy that a crash cut short leaves its directory,
    so ostree gives the rerun's deployment of the same commit the next serial."""
    return root_id.rsplit(".", 1)[0]


def final_state(roots, store):
    ledger = roots.ledger()
    live = roots.sysroot.root_ids()
    recorded = ledger.get("roots", {})
    return {"deployments": [commit_of(r) for r in live],
            "unbound": [r for r in live if r not in recorded],
            "roots": {commit_of(r): sorted(i["image_id"] for i in rec["images"])
                      for r, rec in recorded.items()},
            "pins": sorted((p["reference"], p["image_id"]) for p in ledger.get("pins", [])),
            "store": sorted(store.images())}


def unbound_not_reported(roots, ledger, live):
    """Live roots without a record that `status --json` does not report as not bound."""
    unrecorded = [r for r in live if r not in (ledger or {}).get("roots", {})]
    if not unrecorded:
        return []
    status = roots.rootpin("status", "--json")
    try:
        reported = {r["root"]: r for r in json.loads(status.stdout)["roots"]}
    except (ValueError, KeyError) as e:
        return [f"status --json unreadable ({e}): {status.stderr[-300:]}"]
    return [f"live root {r} has no record but status does not say it is not bound"
            for r in unrecorded if reported.get(r, {}).get("bound") is not False]


def sweep(roots, command, args, rename_touching=(), children=0):
    run = os.path.join(roots.tmp, "run")
    cmd_env = dict(os.environ, ROOTPIN_LOG="stderr")
    store = crash.Store(roots.store, run, cmd_env)
    snapshot = crash.Snapshot([roots.state, roots.store, run, roots.sysroot.path],
                              os.path.join(roots.tmp, "snapshot"))
    sw = crash.Sweep(command, argv(roots, *args), cmd_env, roots.tmp, snapshot, crash.Tally(),
                     roots.store)
    _, trace = sw.clean()
    roots.rootpin("gc", check=0)
    expected = final_state(roots, store)
    assert expected["unbound"] == [], expected
    points = crash.select_points(
        trace, [roots.state + "/", roots.state + ">"],
        [roots.sysroot.path + p + ">" for p in rename_touching], children)
    assert points, f"the clean run of {command} made none of the calls swept"

    def check_crashed(c):
        ledger, c.note, lost = crash.load_ledger(roots.state, had_ledger=True)
        if lost:
            return [lost]
        live = roots.sysroot.root_ids()
        return (crash.crashed_exit(c) + crash.missing_holds(ledger, set(live), store.images())
                + unbound_not_reported(roots, ledger, live))

    def check_rerun(c, rerun):
        return crash.converged(c, rerun, roots.rootpin("gc"), final_state(roots, store), expected)

    return sw.run(points, check_crashed, lambda c: roots.rootpin(*args), check_rerun)


def test_crash_at_any_instant_of_bind(roots):
    p = roots.push("acme/p", "1")
    a, b = roots.push("acme/a", "1"), roots.push("acme/b", "1")
    roots.boot_os({"a.image": image_unit(a), "b.image": image_unit(b)})
    roots.rootpin("pin", p, "--tls-verify", "false", check=0)  # a ledger that must not be lost
    assert sweep(roots, "bind", ["bind"], children=2) == []


def test_crash_at_any_instant_of_upgrade(roots):
    o, a, c, d = (roots.push(f"acme/{n}", "1") for n in "oacd")
    roots.boot_os({"o.image": image_unit(o)})
    roots.rootpin("bind", check=0)
    roots.commit({"a.image": image_unit(a), "c.image": image_unit(c)}, "2.0")
    roots.rootpin("upgrade", check=0)
    # 3.0 keeps a, drops c, adds d; deploying it retires 1.0, whose image o gc removes.
    roots.commit({"a.image": image_unit(a), "d.image": image_unit(d)}, "3.0")
    # The renames that make the new deployment live: its origin file, ostree/boot.N and
    # the boot/loader symlink swap (not each object of the pull).
    assert sweep(roots, "upgrade", ["upgrade"], rename_touching=["", "/boot", "/ostree"]) == []


def test_crash_at_any_instant_of_gc_of_roots(roots):
    o, a = roots.push("acme/o", "1"), roots.push("acme/a", "1")
    roots.boot_os({"o.image": image_unit(o)})
    roots.rootpin("bind", check=0)
    roots.commit({"a.image": image_unit(a)}, "2.0")
    roots.rootpin("upgrade", check=0)
    roots.sysroot.undeploy(1)  # gc retires 1.0's record, then removes o
    assert sweep(roots, "gc-of-roots", ["gc"], children=2) == []
