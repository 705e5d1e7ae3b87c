"""A broken environment: podman missing or failing, the store on a read-only file system
(a bind mount in a private mount namespace, never the host's) or with less free space than
min-free (a small tmpfs, likewise), the sysroot missing or not an ostree sysroot. Each is
exit 1 with an error naming the thing, and nothing changed.

Cost: about 25 s (one ostree sysroot, a handful of rootpin runs)."""
import os
import subprocess

from roots_env import image_unit


def assert_fails_unchanged(rp, r, before, *needles):
    assert r.returncode == 1, r.stderr
    last = r.stderr.splitlines()[-1]
    assert last.startswith("rootpin: error: "), r.stderr
    for n in needles:
        assert n in last, r.stderr
    assert rp.snapshot() == before


def test_podman_missing(pinned):
    tmp, images, rp = pinned.tmp, pinned.images, pinned.rp
    ref = images.push("acme/web", "1")
    before = rp.snapshot()
    for args in (["pin", ref], ["gc"]):
        r = rp.run(*args, "--podman", "/nonexistent/podman")
        assert_fails_unchanged(rp, r, before, "/nonexistent/podman", "not found")
    # Not on PATH either: the message says where it looked.
    rp.env = {**rp.env, "PATH": os.path.join(tmp, "empty-path")}
    r = rp.run("pin", ref)
    rp.env["PATH"] = os.environ["PATH"]
    assert_fails_unchanged(rp, r, before, "podman", "not found on PATH")


def test_podman_that_fails(pinned):
    tmp, images, rp = pinned.tmp, pinned.images, pinned.rp
    ref = images.push("acme/web", "1")
    broken = os.path.join(tmp, "broken-podman")
    with open(broken, "w") as f:
        f.write("#!/bin/sh\necho 'Error: database is locked (injected)' >&2\nexit 125\n")
    os.chmod(broken, 0o755)
    before = rp.snapshot()
    for args in (["pin", ref], ["gc"]):
        r = rp.run(*args, "--podman", broken)
        assert_fails_unchanged(rp, r, before, rp.store, "database is locked (injected)")


def test_store_on_a_read_only_file_system(pinned):
    images, rp = pinned.images, pinned.rp
    ref = images.push("acme/web", "1")
    rp.run("unpin", images.registry.host + "/acme/base:1", check=True)  # gc would remove it
    before = rp.snapshot()
    # A read-only bind mount of the store, in a mount namespace of rootpin's own.
    script = ('mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"')
    for args in (["pin", ref], ["gc"]):
        argv = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                rp.store] + rp.argv(*args)
        r = subprocess.run(argv, capture_output=True, text=True, env=rp.env, timeout=300)
        assert r.returncode in (1, 3), r.stderr  # gc: 3 when podman removed some, not all
        last = r.stderr.splitlines()[-1]
        assert "read-only file system" in last and rp.store in last, r.stderr
        assert rp.snapshot() == before
    with open("/proc/self/mounts") as f:
        assert rp.store not in f.read()  # the host never saw the mount


def test_a_store_below_min_free_pulls_nothing(pinned):
    images, rp = pinned.images, pinned.rp
    ref = images.push("acme/web", "1")
    # The store on a 64 MiB tmpfs, in a mount namespace of rootpin's own.
    script = 'mount -t tmpfs -o size=64m rootpin-test "$1" && shift && exec "$@"'

    def in_small_store(*args):
        argv = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                rp.store] + rp.argv(*args)
        return subprocess.run(argv, capture_output=True, text=True, env=rp.env, timeout=300)

    before = open(rp.ledger_path, "rb").read()
    r = in_small_store("pin", ref)  # the default floor, 1G, is above what the tmpfs has
    assert r.returncode == 1, r.stderr
    last = r.stderr.splitlines()[-1]
    assert (f"not pulling {ref}: not enough free space for the store {rp.store}: the file "
            f"system of {rp.store} has ") in last and "below min-free 1.1 GB" in last, r.stderr
    assert open(rp.ledger_path, "rb").read() == before
    # A floor below what it has: the same pull goes through.
    r = in_small_store("pin", ref, "--min-free", "16M")
    assert r.returncode == 0, r.stderr
    # Nothing to pull, nothing to check: a present image is pinned whatever the floor.
    rp.run("pin", images.registry.host + "/acme/base:1", "--min-free", "1000T", check=True)


def test_sysroot_missing_or_not_ostree(roots, tmp):
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin("bind", check=0)
    ledger = open(os.path.join(roots.state, "ledger.json"), "rb").read()
    store = roots.names()
    not_ostree = os.path.join(tmp, "plain-dir")
    os.makedirs(os.path.join(not_ostree, "usr"))
    real = roots.sysroot.path
    for sysroot in (os.path.join(tmp, "no-such-sysroot"), not_ostree):
        roots.sysroot.path = sysroot
        try:
            for args in (["bind"], ["bind", "--staged"], ["upgrade"], ["gc"], ["boot"]):
                r = roots.rootpin(*args)
                assert r.returncode == 1, (args, r.stderr)
                last = r.stderr.splitlines()[-1]
                assert last.startswith("rootpin: error: ") and sysroot in last, (args, r.stderr)
        finally:
            roots.sysroot.path = real
    assert open(os.path.join(roots.state, "ledger.json"), "rb").read() == ledger
    assert roots.names() == store
