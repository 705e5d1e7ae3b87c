"""A full disk and I/O errors on the state directory, injected for real with strace into the
real binary: ENOSPC on the write of the ledger's temp file, EIO on its fsync, on the link
and rename that keep the previous generation, on the rename that replaces ledger.json, and
on the fsync of the directory. Each gives exit 1 and an error naming the ledger; ledger.json
is byte for byte the old one (the directory fsync comes after the rename: there the new
ledger is in place and rootpin still says the save failed); no temp file is left; the next
run works.

Which call to fail is found from a clean trace of the same command on a twin image (strace
counts calls per traced thread; without -f only rootpin's main thread, which does every
ledger write, is traced, not the pulling threads nor podman), and every injected run's own
trace must show the fault landing on the intended call.

Cost: about 40 s on an idle machine (seven cases of a few pushes and rootpin runs)."""
import json
import os
import re

import pytest

import strace

TEMP = r"\.ledger\.json\.tmp-\d+"


def traced(rp, tmp, name, args, syscalls, inject=None):
    """Runs rootpin under strace (main thread only); returns (result, trace lines)."""
    run = strace.run(rp.argv(*args), os.path.join(tmp, f"{name}.strace"), syscalls,
                     env=rp.env, inject=inject)
    return run.proc, run.lines


def nth_call(lines, pattern):
    """(syscall, n): the first line matching pattern, and how many calls of that syscall
    the thread made up to and including it (strace's when= counts per syscall)."""
    counts = {}
    for line in lines:
        m = re.match(r"(\w+)\(", line)
        if not m:
            continue
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
        if re.search(pattern, line):
            return m.group(1), counts[m.group(1)]
    raise AssertionError(f"no call matches {pattern!r} in the clean trace:\n" + "\n".join(lines))


def state_names(rp):
    # Without the listing cache (store-listing.json, listing_cache.hpp): it is not the ledger's.
    return sorted(n for n in os.listdir(rp.state_dir) if n != "store-listing.json")


SAVE_SYSCALLS = ["write", "fsync", "linkat", "link", "rename", "renameat", "renameat2"]

# (what fails, strace pattern of the call in the clean trace, errno, strerror text)
FAULTS = [
    ("temp write", rf"^write\(\d+<[^>]*/{TEMP}>", "ENOSPC", "No space left on device"),
    ("temp fsync", rf"^fsync\(\d+<[^>]*/{TEMP}>", "EIO", "Input/output error"),
    ("link to .prev", r"^link(at)?\(.*ledger\.json\.prev\.tmp", "EIO", "Input/output error"),
    ("rename of .prev", r"^rename(at2?)?\(.*\"ledger\.json\.prev\"", "EIO", "Input/output error"),
    ("rename of the ledger", rf"^rename(at2?)?\(.*{TEMP}.*\"ledger\.json\"", "EIO",
     "Input/output error"),
]


# Every fault on unpin (no pull); the first also on a pin that pulls first.
CASES = [("unpin", *f) for f in FAULTS] + [("pin", *FAULTS[0])]


@pytest.mark.parametrize("command,fault,pattern,errno,text", CASES,
                         ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_a_failed_save_keeps_the_old_ledger(pins, command, fault, pattern, errno, text):
    tmp, images, rp = pins.tmp, pins.images, pins.rp
    twin, target = images.push("acme/twin", "1"), images.push("acme/target", "1")
    if command == "unpin":  # both pinned: unpinning either makes the same calls
        rp.run("pin", twin, check=True)
        rp.run("pin", target, check=True)
    else:  # a ledger to keep; neither twin nor target is in the store: each pin pulls
        rp.run("pin", images.push("acme/base", "1"), check=True)

    clean, lines = traced(rp, tmp, "clean", [command, twin], SAVE_SYSCALLS)
    assert clean.returncode == 0, clean.stderr
    syscall, n = nth_call(lines, pattern)

    before_ledger = open(rp.ledger_path, "rb").read()
    before_names = state_names(rp)
    r, lines = traced(rp, tmp, "fault", [command, target], SAVE_SYSCALLS,
                      inject=f"{syscall}:error={errno}:when={n}")
    injected = [line for line in lines if "(INJECTED)" in line]
    assert len(injected) == 1 and re.search(pattern, injected[0]), \
        f"the fault did not land on the {fault}: {injected}"

    assert r.returncode == 1, r.stderr
    last = r.stderr.splitlines()[-1]
    assert last.startswith(f"rootpin: error: saving {rp.ledger_path}: ") and text in last, r.stderr
    assert open(rp.ledger_path, "rb").read() == before_ledger
    assert state_names(rp) == before_names  # no temp file, no .prev.tmp left
    # The next run, without the fault, does what the failed one could not.
    rp.run(command, target, check=True)
    pinned = [p["reference"] for p in rp.ledger()["pins"]]
    assert (target in pinned) == (command == "pin")


def test_a_failed_directory_fsync_is_reported_though_the_rename_happened(pins):
    tmp, images, rp = pins.tmp, pins.images, pins.rp
    twin, target = images.push("acme/twin", "1"), images.push("acme/target", "1")
    for ref in (twin, target):
        rp.run("pin", ref, check=True)
    state = re.escape(rp.state_dir)
    pattern = rf"^fsync\(\d+<{state}>\)"
    clean, lines = traced(rp, tmp, "clean", ["unpin", twin], SAVE_SYSCALLS)
    assert clean.returncode == 0, clean.stderr
    syscall, n = nth_call(lines, pattern)
    old = rp.ledger()

    r, lines = traced(rp, tmp, "fault", ["unpin", target], SAVE_SYSCALLS,
                      inject=f"{syscall}:error=EIO:when={n}")
    assert [line for line in lines if "(INJECTED)" in line and re.search(pattern, line)]
    # Saved, not durable (issue 11 point 8): the command succeeds and warns; failing it
    # would make the caller undo work that was saved.
    assert r.returncode == 0, r.stderr
    assert rp.state_dir in r.stderr and "Input/output error" in r.stderr, r.stderr
    assert "may not survive a power cut" in r.stderr, r.stderr
    # Whole and parseable; it is the new generation (the rename had happened), and the
    # previous one is kept as .prev.
    new = rp.ledger()
    assert [p["reference"] for p in new["pins"]] == [p["reference"] for p in old["pins"]
                                                     if p["reference"] != target]
    with open(os.path.join(rp.state_dir, "ledger.json.prev")) as f:
        assert json.load(f) == old
    assert state_names(rp) == ["ledger.json", "ledger.json.prev"]
