"""The ledger under faults: corrupt, from the future, missing state dir, read-only state
dir; and two rootpin processes pinning, unpinning and collecting at once."""
import glob
import json
import os
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor


def test_missing_state_dir_is_created_private(pins):
    images, rp = pins.images, pins.rp
    assert not os.path.exists(rp.state_dir)
    r = rp.run("status", "--json", check=True)
    assert json.loads(r.stdout)["held"] == []
    assert not os.path.exists(rp.state_dir)  # a reader creates nothing
    rp.run("pin", images.push("acme/a", "1"), check=True)
    assert stat.S_IMODE(os.stat(rp.state_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(rp.ledger_path).st_mode) == 0o600


def test_corrupt_ledger_is_moved_aside_and_reported(pins):
    images, rp = pins.images, pins.rp
    a, b = images.push("acme/a", "1"), images.push("acme/b", "1")
    rp.run("pin", a, check=True)
    rp.run("pin", b, check=True)  # ledger.json.prev now holds the pin of a
    with open(rp.ledger_path, "w") as f:
        f.write('{"version": 1, "pins": [ {"refer')
    # A reader (no lock) reports it, reads .prev and moves nothing (issue 11, point 5).
    r = rp.run("status", "--json", check=True)
    assert "corrupt" in r.stderr.lower(), r.stderr
    assert a in r.stdout
    assert glob.glob(os.path.join(rp.state_dir, "ledger.json.corrupt-*")) == []
    with open(rp.ledger_path) as f:
        assert f.read() == '{"version": 1, "pins": [ {"refer'
    # The writer moves it aside (never deleted); the previous generation is what rootpin
    # knows now, and gc keeps what it names.
    r = rp.run("gc", check=True)
    assert "corrupt" in r.stderr.lower(), r.stderr
    aside = glob.glob(os.path.join(rp.state_dir, "ledger.json.corrupt-*"))
    assert len(aside) == 1
    with open(aside[0]) as f:
        assert f.read() == '{"version": 1, "pins": [ {"refer'  # never lost
    refs = [p["reference"] for p in rp.ledger()["pins"]]
    assert a in refs
    assert any(a in i["Names"] for i in rp.store_images())


def test_ledger_from_the_future_is_left_alone(pins):
    images, rp = pins.images, pins.rp
    a = images.push("acme/a", "1")
    rp.run("pin", a, check=True)
    future = {"version": 99, "pins": [], "roots": {}, "new_thing": True}
    with open(rp.ledger_path, "w") as f:
        json.dump(future, f)
    before = rp.store_ids()
    for args in (["status"], ["pin", images.push("acme/b", "1")], ["unpin", a], ["gc"]):
        r = rp.run(*args)
        assert r.returncode == 1, (args, r.stderr)
        assert "version" in r.stderr and "99" in r.stderr, r.stderr
    with open(rp.ledger_path) as f:
        assert json.load(f) == future
    assert rp.store_ids() == before


def test_read_only_state_dir_fails_before_changing_anything(pins):
    images, rp = pins.images, pins.rp
    a = images.push("acme/a", "1")
    rp.run("pin", a, check=True)
    rp.run("unpin", a, check=True)  # a is unheld: a gc would remove it
    b = images.push("acme/b", "1")
    subprocess.run(["mount", "--bind", rp.state_dir, rp.state_dir], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", rp.state_dir], check=True)
        before_ledger = rp.ledger()
        before_store = rp.store_ids()
        for args in (["pin", b], ["gc"], ["unpin", a]):
            r = rp.run(*args)
            assert r.returncode == 1, (args, r.stderr)
            assert "read-only" in r.stderr or "no admin pin" in r.stderr, r.stderr
        assert rp.store_ids() == before_store
        assert rp.ledger() == before_ledger
        assert rp.run("status").returncode == 0
    finally:
        subprocess.run(["umount", rp.state_dir], check=True)


def test_two_processes_pin_unpin_gc_concurrently(pins):
    images, rp = pins.images, pins.rp
    refs = [images.push("acme/a", "1"), images.push("acme/b", "1")]

    def worker(ref):
        failures = []
        for i in range(50):
            steps = [("pin", ref), ("unpin", ref)] + ([("gc",)] if i % 10 == 9 else [])
            for step in steps:
                r = rp.run(*step)
                if r.returncode != 0:
                    failures.append((step, r.stderr))
        rp.run("pin", ref, check=True)
        return failures

    with ThreadPoolExecutor(2) as pool:
        failures = list(pool.map(worker, refs))
    assert failures == [[], []]
    recorded = rp.ledger()["pins"]
    assert sorted(p["reference"] for p in recorded) == sorted(refs)
    ids = rp.store_ids()
    for p in recorded:
        assert p["image_id"] in ids
    rp.run("gc", check=True)
    assert rp.store_ids() == ids  # everything left is held
