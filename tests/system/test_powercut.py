"""Scenario 7: power cuts. qemu is killed with SIGKILL (the guest's page cache is lost, as
in a power cut) at chosen moments of a bind and of an upgrade; the VM boots again and:

- the ledger (or its .prev) parses;
- no live root lacks an image the ledger records for it;
- `rootpin check` passes (every image a live root holds is in the store at its digest);
- the interrupted operation, run again, converges (bound, lock gone, status and check).

The cut happens when a guest-side wait for the moment returns, so "during the pull" is
"a podman pull of rootpin's is running". `tools/test --system` runs CUTS; ROOTPIN_VM_SWEEP=1
runs SWEEP too (tools/test --system -k powercut with that variable set).
"""
import json
import os

import pytest

from conftest import GUEST_REGISTRY, timed
from helpers import (STORE, assert_check, boot, bound, container_unit, ledger_root, push_v1,
                     stage_from_remote, unit_start, wait_bind_idle, wait_unit_ran)

# A podman pull of rootpin's is running: a process with the argument "pull" whose argv[0]
# is podman. One grep over /proc, no process per PID: under TCG a fork+exec costs ~0.2 s,
# and a loop of `tr` over /proc took 25 s a round, longer than the pull it waited for.
PODMAN_PULLING = ("for f in $(grep -lsaz -x pull /proc/[0-9]*/cmdline); do "
                  "head -zn1 $f 2>/dev/null | grep -qaz podman && exit 0; done; false")
# (name, operation, guest-side condition that marks the moment)
CUTS = [
    ("bind-during-pull", "bind", PODMAN_PULLING),
    ("bind-after-ledger-write", "bind", "grep -q {commit} /var/lib/rootpin/ledger.json"),
    ("upgrade-during-deploy", "upgrade", "ls /ostree/deploy/debian/deploy | grep -q {commit}"),
]
SWEEP = [
    ("bind-at-lock", "bind", "test -e /run/ostree/staged-deployment-locked"),
    ("upgrade-during-pull", "upgrade", PODMAN_PULLING),
    ("upgrade-after-ledger-write", "upgrade", "grep -q {commit} /var/lib/rootpin/ledger.json"),
    ("upgrade-at-stage", "upgrade", "test -e /run/ostree/staged-deployment"),
]
POINTS = CUTS + (SWEEP if os.environ.get("ROOTPIN_VM_SWEEP") else [])
results = {"tried": 0, "survived": 0}
version = [1]


def live_roots(vm):
    """Commits of the deployments ostree has (booted, staged, rollback...)."""
    out = vm.run("ostree admin status")
    roots = []
    for line in out.splitlines():
        words = line.replace("*", " ").split()
        if len(words) >= 2 and words[0] == "debian":
            roots.append(words[1].split(".")[0])
    return roots


def check_after_cut(vm):
    """The invariants a cut must keep; returns the parsed ledger (None if none yet)."""
    ledger = None
    for name in ("ledger.json", "ledger.json.prev"):
        rc, text = vm.run(f"cat /var/lib/rootpin/{name}", check=False)
        if rc == 0:
            ledger = json.loads(text)  # must parse
            break
    present = set(vm.run(f"podman {STORE} images --digests --format '{{{{.Digest}}}}'").split())
    for commit in live_roots(vm):
        rec = ledger_root(ledger or {}, commit)
        for img in (rec or {}).get("images", []):
            assert img["digest"] in present, f"live root {commit} lacks {img['reference']}"
    vm.run("rootpin status >/dev/null", timeout=300)
    assert_check(vm)
    return ledger


@pytest.fixture(scope="module")
def booted(host):
    push_v1(host.images)
    boot(host)
    host.vm.run("rootpin bind --deployment 0", timeout=600)
    yield host
    print(f"\n[power cut] cut points tried: {results['tried']}, survived: {results['survived']}",
          flush=True)


def next_version(host):
    """A new OS version on the remote binding a new 16 MiB image (so there is a pull)."""
    version[0] += 1
    v = version[0]
    host.images.push(f"acme/cut{v}", "1", f"cut {v}", size=16 << 20)
    unit = container_unit(f"cut{v}", f"{GUEST_REGISTRY}/acme/cut{v}:1")
    return host.repo.commit(v, {f"/usr/share/containers/systemd/cut{v}.container": unit},
                            bound(f"cut{v}.container"))


@pytest.mark.parametrize("name,operation,condition", POINTS, ids=[p[0] for p in POINTS])
def test_7_power_cut(booted, name, operation, condition):
    host = booted
    vm = host.vm
    commit = next_version(host)
    results["tried"] += 1
    wait = (f"for i in $(seq 6000); do {condition.format(commit=commit)} && exit 0; "
            "sleep 0.02; done; exit 1")
    with timed(f"power cut {name}"):
        if operation == "bind":
            vm.run("ostree pull rootpin rootpin/vm", timeout=900)
            vm.run("systemd-run --no-block --unit=cut-stage "
                   "ostree admin deploy --stage rootpin:rootpin/vm")
        else:
            vm.run("systemctl start --no-block rootpin-upgrade.service")
        vm.run(wait, timeout=200)
        vm.power_cut()
        boot(host)
        check_after_cut(vm)
        # Converge: the operation again, to the end.
        if operation == "bind":
            before = unit_start(vm, "rootpin-bind.service")
            stage_from_remote(vm)
            assert wait_unit_ran(vm, "rootpin-bind.service", before) == ("inactive", "success")
        else:
            vm.run("systemctl start rootpin-upgrade.service", timeout=1200)
            assert wait_bind_idle(vm) == "success"
        vm.run("test ! -e /run/ostree/staged-deployment-locked")
        assert f"debian {commit}" in vm.run("ostree admin status")
        ledger = check_after_cut(vm)
        assert ledger_root(ledger, commit) is not None
    results["survived"] += 1
