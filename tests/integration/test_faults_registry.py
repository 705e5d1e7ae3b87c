"""Registry faults through a TCP proxy on loopback (lib/fault_proxy.py, and bench/proxy.py
for latency): a connection reset mid-layer, a registry that accepts and never answers, one
that answers 500, one slower than the bound. rootpin bounds every pull (--timeout), kills
podman and whatever it started when the bound passes, retries a bounded number of times
(3 tries by default), names the image and the cause, and leaves ledger and store as they
were. Then the same pull through a healthy path succeeds: the fault was the only cause.

Cost: about 45 s (two runs wait out 3 tries of a 3 s timeout)."""
import os
import sys

from fault_proxy import FaultProxy
from processes import leftover_processes

sys.path.insert(0, os.path.join(os.environ.get("ROOTPIN_SOURCE_DIR", ""), "bench"))
from proxy import Proxy  # noqa: E402  (bench/proxy.py: latency and bandwidth)

TRIES = 3  # rootpin's default for an image whose unit sets no Retry=


def through(images, reg, proxy, ref):
    """ref as pulled through the proxy (which registries.conf marks insecure too)."""
    images.write_registries_conf([reg, proxy])
    return ref.replace(reg.host, proxy.host)


def assert_failed_unchanged(rp, before, r, ref, *causes):
    assert r.returncode == 1, r.stderr
    last = r.stderr.splitlines()[-1]
    assert last.startswith("rootpin: error: ") and ref in last, r.stderr
    assert any(c in last for c in causes), r.stderr
    # Bounded retries: the first try and TRIES-1 retries, each announced with its cause.
    assert r.stderr.count(f"retrying {ref} (try ") == TRIES - 1, r.stderr
    assert rp.snapshot() == before


def test_reset_mid_layer_is_retried_then_reported(pinned):
    reg, images, rp = pinned.reg, pinned.images, pinned.rp
    ref = images.push("acme/big", "1", size=2 << 20)  # random: the layer stays ~2 MiB
    with FaultProxy(reg.port, mode="reset", reset_after=512 << 10) as proxy:
        via = through(images, reg, proxy, ref)
        before = rp.snapshot()
        r = rp.run("pin", via, "--timeout", "60")
        assert_failed_unchanged(rp, before, r, via, "connection reset by peer", "unexpected EOF")
        assert proxy.faults >= TRIES  # every try really got a reset
        proxy.mode = "pass"
        rp.run("pin", via, check=True)
    assert via in [p["reference"] for p in rp.ledger()["pins"]]


def test_http_500_is_retried_then_reported(pinned):
    reg, images, rp = pinned.reg, pinned.images, pinned.rp
    ref = images.push("acme/web", "1")
    with FaultProxy(reg.port, mode="http500") as proxy:
        via = through(images, reg, proxy, ref)
        before = rp.snapshot()
        r = rp.run("pin", via, "--timeout", "60")
        assert_failed_unchanged(rp, before, r, via, "500 (Internal Server Error)")
        assert proxy.faults >= TRIES
        proxy.mode = "pass"
        rp.run("pin", via, check=True)


def test_a_stalled_registry_is_cut_at_the_timeout_with_podmans_children(pinned, tmp):
    reg, images, rp = pinned.reg, pinned.images, pinned.rp
    ref = images.push("acme/web", "1")
    # The running podman, wrapped so each pull also starts a child of its own (as podman's
    # helpers would be): the timeout must kill the whole process group, not podman alone.
    children = os.path.join(tmp, "children")
    wrapper = os.path.join(tmp, "podman-with-child")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\n"
                f'case " $* " in *" pull "*) sleep 600 & echo $! >> {children} ;; esac\n'
                'exec podman "$@"\n')
    os.chmod(wrapper, 0o755)
    with FaultProxy(reg.port, mode="stall") as proxy:
        via = through(images, reg, proxy, ref)
        before = rp.snapshot()
        r = rp.run("pin", via, "--timeout", "3", "--podman", wrapper, timeout=120)
        assert_failed_unchanged(rp, before, r, via, "timed out")
        assert proxy.faults >= TRIES
    with open(children) as f:
        pids = [int(p) for p in f.read().split()]
    assert len(pids) == TRIES
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z", \
            f"podman's child {pid} outlived the timeout"
    assert leftover_processes(rp.store) == []


def test_a_registry_slower_than_the_bound_is_cut_at_the_timeout(pinned):
    reg, images, rp = pinned.reg, pinned.images, pinned.rp
    ref = images.push("acme/web", "1")
    # Each chunk held back 1.5 s each way: a pull's handful of round trips takes well over
    # the 3 s bound, though data does flow.
    with Proxy(reg.port, delay_ms=1500, rate_mbit=0, max_seconds=300) as slow:
        via = through(images, reg, slow, ref)
        before = rp.snapshot()
        r = rp.run("pin", via, "--timeout", "3", timeout=120)
        assert_failed_unchanged(rp, before, r, via, "timed out")
        assert slow.stats()["connections"] >= TRIES  # it was reached, just slowly
    assert leftover_processes(rp.store) == []
