"""SIGTERM and SIGINT while rootpin pulls (issue 11, point 6).

podman runs in a process group of its own, so a signal meant for rootpin (Ctrl-C on a
terminal, systemd stopping a unit with KillMode=mixed) reaches rootpin alone. rootpin
passes it on to each podman's group, waits for them (bounded), lets the command fail as
any failure does, and exits with 128 + the signal: 143 for SIGTERM, 130 for SIGINT.

A pull is held mid-way by a proxy that forwards the registry's answers until podman asks
for a blob, and never answers that (fault_proxy's stall_blobs). Then the signal goes to
rootpin, and each test checks: the exit status and the message naming the signal, no
process of this test's store left running, the ledger and the store as before, and the
store usable at once (the next command pulls through a healthy path, waiting on no lock).
The staged cases run rootpin as on a booted host (test_roots_staged's Host): an
interrupted `bind --staged` keeps the finalization lock, as a failed one does; an
interrupted `upgrade` is undone, as a failed one is.

Cost: about 40 s (most of it the sysroots of the staged cases)."""
import os
import signal
import subprocess
import time

import pytest

from booted import Booted
from fault_proxy import FaultProxy
from processes import kill_leftovers, leftover_processes
from roots_env import image_unit
from test_roots_staged import Host

BIG = 1 << 20  # random bytes: the pull has a real layer to be stopped in


@pytest.fixture(autouse=True)
def deliverable_signals():
    """A runner started with SIGINT ignored (a shell's `&`) would pass that on to rootpin,
    which then rightly ignores it: give the children the default disposition."""
    ignored = [s for s in (signal.SIGINT, signal.SIGTERM)
               if signal.getsignal(s) == signal.SIG_IGN]
    for s in ignored:
        signal.signal(s, signal.default_int_handler if s == signal.SIGINT else signal.SIG_DFL)
    yield
    for s in ignored:
        signal.signal(s, signal.SIG_IGN)


@pytest.fixture(autouse=True)
def no_leftovers(tmp):
    """No podman of this test outlives it, whatever it stopped in (every store is in tmp)."""
    yield
    kill_leftovers(tmp)


def stop_when_stalled(proc, pid, proxy, sig, store):
    """Sends `sig` to rootpin (`pid`) once its podman is stuck in a blob; its output then."""
    try:
        assert proxy.stalled.wait(60), "the pull never reached a blob"
        assert leftover_processes(store, {pid, proc.pid}), "no podman is pulling"
        os.kill(pid, sig)
        return proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # rootpin did not stop: it holds the pipes, kill it first
            os.kill(pid, signal.SIGKILL)
            proc.kill()
            proc.communicate(timeout=30)


def ledger_bytes(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_pin_stops_podman_and_changes_nothing(pinned, sig):
    reg, images, rp = pinned.reg, pinned.images, pinned.rp
    ref = images.push("acme/big", "1", size=BIG)
    with FaultProxy(reg.port, mode="stall_blobs") as proxy:
        images.write_registries_conf([reg, proxy])
        via = ref.replace(reg.host, proxy.host)
        before = rp.snapshot()
        proc = subprocess.Popen(rp.argv("pin", via), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=rp.env)
        _, err = stop_when_stalled(proc, proc.pid, proxy, sig, rp.store)
        assert proc.returncode == 128 + sig, err
        last = err.splitlines()[-1]
        assert last.startswith(f"rootpin: error: interrupted by {sig.name}: nothing pinned"), err
        assert f"{via}: pulling {via}: podman was stopped on {sig.name}" in last, err
        assert leftover_processes(rp.store) == []
        assert rp.snapshot() == before

        # Nothing holds the store: the next pin (through a healthy path) is not held up.
        proxy.mode = "pass"
        start = time.monotonic()
        rp.run("pin", via, "--timeout", "30", "--lock-timeout", "5", check=True)
        assert time.monotonic() - start < 30
    assert via in [p["reference"] for p in rp.ledger()["pins"]]


def run_booted(host, *args):
    """rootpin started as on the booted host; (Popen, rootpin's pid)."""
    proc = host.booted.popen(host.argv(*args), env={"ROOTPIN_LOG": "stderr"})
    return proc, Booted.main_pid(proc, host.env.bin)


def booted_host(roots):
    """A host booted from a root that binds a; acme/big is in the registry too.
    Returns (host, a, big)."""
    a = roots.push("acme/a", "1")
    big = roots.pusher.push("acme/big", "1", size=BIG)
    host = Host(roots, {"a.image": image_unit(a)})
    host.rootpin("bind", check=0)
    return host, a, big


def test_sigterm_during_bind_staged_keeps_the_finalization_lock(roots):
    host, a, big = booted_host(roots)
    ledger = os.path.join(roots.state, "ledger.json")
    with FaultProxy(roots.registry.port, mode="stall_blobs") as proxy:
        via = big.replace(roots.registry.host, proxy.host)
        roots.commit({"a.image": image_unit(a), "big.image": image_unit(via)}, "2.0")
        staged = host.stage_from_origin()  # by another tool; rootpin-bind.service binds it
        before = (ledger_bytes(ledger), roots.images())

        proc, pid = run_booted(host, "bind", "--staged")
        _, err = stop_when_stalled(proc, pid, proxy, signal.SIGTERM, roots.store)
        assert proc.returncode == 143, err
        assert "rootpin: error: interrupted by SIGTERM: " in err
        assert "podman was stopped on SIGTERM" in err
        assert f"{staged} is staged but its images are not pinned" in err
        assert os.path.exists(host.lock)  # as after any failed bind: ostree will not finalize
        assert host.root_ids()[0] == staged
        assert "(staged)" in host.ostree("admin", "status")
        assert (ledger_bytes(ledger), roots.images()) == before
        assert leftover_processes(roots.store) == []

        # The next bind of what is staged succeeds at once, and only it lets ostree go on.
        proxy.mode = "pass"
        host.rootpin("bind", "--staged", "--timeout", "30", "--lock-timeout", "5", check=0)
    assert not os.path.exists(host.lock)
    assert staged in roots.ledger()["roots"]


def test_sigint_during_upgrade_undoes_it(roots):
    host, a, big = booted_host(roots)
    ledger = os.path.join(roots.state, "ledger.json")
    before = (host.root_ids(), ledger_bytes(ledger), roots.images())
    with FaultProxy(roots.registry.port, mode="stall_blobs") as proxy:
        via = big.replace(roots.registry.host, proxy.host)
        roots.commit({"a.image": image_unit(a), "big.image": image_unit(via)}, "2.0")

        proc, pid = run_booted(host, "upgrade")
        _, err = stop_when_stalled(proc, pid, proxy, signal.SIGINT, roots.store)
    assert proc.returncode == 130, err
    assert "rootpin: error: interrupted by SIGINT: upgrade of testos undone: " in err
    assert "podman was stopped on SIGINT" in err
    assert "(staged)" not in host.ostree("admin", "status")
    assert not os.path.exists(host.staged_file)
    assert not os.path.exists(host.lock)  # nothing staged is left to hold back
    assert (host.root_ids(), ledger_bytes(ledger), roots.images()) == before
    assert leftover_processes(roots.store) == []
