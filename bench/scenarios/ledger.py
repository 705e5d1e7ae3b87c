"""One pin's state write: how many fsyncs it costs and how long it takes.

`rootpin pin REF` of an image that is pinned and present already does no pull: it lists the
store once, takes the lock and writes the ledger (temp file, fsync, rename, fsync of the
directory, .prev generation). `rootpin status --json` does the same listing and reads the
ledger without writing it, so B - A is the write (lock, serialise, write, sync, rename).
The fsyncs are counted with `strace -f -y` on rootpin's own process and threads (the podman
it runs is not counted), on the state dir's filesystem as the record says. The write's own
time is read from the same trace (-ttt -T): from creating the temp file to the last rename,
link or sync of the state dir, so it includes strace's small per-call cost; B - A is noisier
(status does more than list: it also reads the sysroot).
"""
import os

import benchlib
from scenario_api import Check, Comparison, Side

NAME = "ledger"
DESCRIPTION = "one pin's ledger write: fsyncs (strace) and time (pin vs status, same listing)"
OTHER_PINS = 20  # a ledger of a realistic size, not an empty one


def filesystem(path):
    out = benchlib.run(["df", "--output=fstype", path]).stdout.split()
    return out[-1] if out else None


def prepare(ctx):
    benchlib.need_rootpin(ctx, "pin", "status")
    fx = benchlib.Fixture(ctx)
    refs = fx.push(OTHER_PINS + 1, prefix="bench/pin")
    for r in refs:
        fx.rootpin_run("pin", r, "--reason", "benchmark")
    ref = refs[0]
    state = fx.rootpin.state_dir

    syncs = ("fsync", "fdatasync", "sync_file_range", "syncfs")
    calls = benchlib.traced_syscalls(
        fx.rootpin.argv("pin", ref, "--reason", "benchmark"),
        (*syncs, "openat", "rename", "renameat", "renameat2", "link", "linkat", "unlink",
         "unlinkat"), ctx.tmp, env=fx.rootpin.env)
    synced = [c for c in calls if c.name in syncs]
    dirs = [c for c in synced if os.path.isdir(c.path)]
    # The write: from opening the ledger's temp file to the last sync, rename or link of
    # the state dir's files (timestamps from strace -ttt -T).
    write = [c for c in calls if "ledger" in c.text and c.name != "openat" or
             (c.name == "openat" and ".ledger" in c.text and "O_CREAT" in c.text) or c in dirs]
    write_ms = (max(c.end for c in write) - min(c.start for c in write)) * 1000 if write else None
    figures = {"b_file_syncs": len(synced) - len(dirs), "b_dir_syncs": len(dirs),
               "b_write_ms_under_strace": write_ms,
               "b_sync_ms": sum(c.seconds for c in synced) * 1000,
               "b_write_syscalls": [f"{c.name} {c.text.split('(', 1)[1]}".replace(ctx.tmp, "TMP")[:100]
                                    for c in sorted(write, key=lambda c: c.start)]}
    return Comparison(
        a=Side("rootpin status --json", fx.rootpin_cmd("status", "--json") + " >/dev/null",
               display="rootpin status --json (listing + ledger read)"),
        b=Side("rootpin pin (no pull)", fx.rootpin_cmd("pin", ref, "--reason", "benchmark")
               + " >/dev/null", display="rootpin pin REF (present and pinned: listing + write)"),
        parameters={"pins_in_ledger": OTHER_PINS + 1,
                    "state_dir_filesystem": filesystem(state)},
        figures=figures,
        checks=[Check("b_file_syncs", 1, op="==", label="1 file fsync per write"),
                Check("b_dir_syncs", 1, op="==", label="1 dir fsync per write")],
        cleanup=fx.close)
