"""Debian 13's podman 5.4, with its Quadlet generator, in a chroot the tests make themselves.

    root = podman5.ensure_chroot()        # /var/cache/rootpin-tests/podman5-<recipe hash>/root
    podman = podman5.wrapper(tmp)         # tmp/podman5/podman: runs that podman on host paths
    subprocess.run([podman, "--root", store, "images"])
    rootpin --podman <podman> ...         # rootpin, built on the host, drives podman 5

The chroot is `debootstrap --variant=minbase --include=podman trixie` from Debian's mirror
(the one /etc/apt/sources.list names), built once per machine under an exclusive lock (ctest
runs test files in parallel), in a temporary directory renamed into place when complete,
and rebuilt when missing or when RECIPE changes (its hash names the directory).

podman 5 applies image layers only when the chroot's "/" is a mount point ("remount /,
flags: 0x44000: invalid argument" otherwise), so every call runs in a private mount
namespace (unshare -m) in which the chroot is bound onto itself, then /proc, /dev, /sys and
the host's /tmp (the tests' temp dirs, rootpin's credential files) at the same paths. The
chroot's /run and /var/tmp are the test's own directories (podman's run state, pull temp
files), so parallel tests never write into the shared cache and nothing outlives the test.
podman gets the host's network namespace: it reaches only the loopback registries the tests
start (their units and references name nothing else).

`python3 podman5.py` builds the chroot (the ctest fixture integration.podman5.chroot) and
prints where it is and how long the build took.
"""
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

CACHE = os.environ.get("ROOTPIN_TEST_CACHE", "/var/cache/rootpin-tests")
SUITE = "trixie"
PACKAGES = ["podman"]
# podman 5 inside the chroot: no systemd there (cgroupfs, events to a file under /run),
# and the host's cgroup v1 warning silenced.
CONTAINERS_CONF = ('[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
                   '[containers]\nlog_driver = "k8s-file"\n')
RECIPE = {
    "suite": SUITE,
    "variant": "minbase",
    "packages": PACKAGES,
    "containers.conf.d/50-rootpin-tests.conf": CONTAINERS_CONF,
    "version": 1,  # bump when the build steps below change
}
ENTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "podman5-enter")


def recipe_hash():
    text = json.dumps(RECIPE, sort_keys=True).encode()
    return hashlib.sha256(text).hexdigest()[:16]


def chroot_dir():
    """Where the chroot for the current recipe lives (built or not)."""
    return os.path.join(CACHE, f"podman5-{recipe_hash()}")


def debian_mirror():
    """The Debian mirror apt uses on this machine (ROOTPIN_DEBIAN_MIRROR overrides)."""
    if os.environ.get("ROOTPIN_DEBIAN_MIRROR"):
        return os.environ["ROOTPIN_DEBIAN_MIRROR"]
    files = ["/etc/apt/sources.list"]
    d = "/etc/apt/sources.list.d"
    if os.path.isdir(d):
        files += sorted(os.path.join(d, n) for n in os.listdir(d))
    for path in files:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        # deb822 (URIs: ...) and one-line (deb [opts] URI suite ...) forms.
        for m in re.finditer(r"^\s*(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s*)?)(\S+)", text, re.M):
            uri = m.group(1).rstrip("/")
            if re.match(r"https?://", uri) and uri.endswith("/debian"):
                return uri
    return "http://deb.debian.org/debian"


def log(msg):
    print(f"[podman5 {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _remove(path):
    """rm -rf for a partly built chroot: debootstrap may have left /proc or /sys mounted."""
    with open("/proc/self/mounts") as f:
        mounts = [line.split()[1] for line in f]
    for m in sorted((m for m in mounts if m.startswith(path + "/")), reverse=True):
        subprocess.run(["umount", "-l", m], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(path, ignore_errors=True)


def _build(final):
    os.makedirs(CACHE, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(final)}.build-", dir=CACHE)
    try:
        root = os.path.join(tmp, "root")
        mirror = debian_mirror()
        log(f"debootstrap --variant=minbase --include={','.join(PACKAGES)} {SUITE} from {mirror}")
        t0 = time.monotonic()
        proc = subprocess.run(["nice", "-n", "10", "debootstrap", "--variant=minbase",
                               "--include=" + ",".join(PACKAGES), SUITE, root, mirror],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"debootstrap failed ({proc.returncode}):\n{proc.stdout[-4000:]}")
        conf_d = os.path.join(root, "etc/containers/containers.conf.d")
        os.makedirs(conf_d, exist_ok=True)
        with open(os.path.join(conf_d, "50-rootpin-tests.conf"), "w") as f:
            f.write(CONTAINERS_CONF)
        # The downloaded .debs are not needed to run podman.
        archives = os.path.join(root, "var/cache/apt/archives")
        for name in os.listdir(archives):
            if name.endswith(".deb"):
                os.remove(os.path.join(archives, name))
        for d in ("proc", "dev", "sys", "tmp", "run", "var/tmp"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        seconds = time.monotonic() - t0
        with open(os.path.join(tmp, "recipe.json"), "w") as f:
            json.dump({"recipe": RECIPE, "mirror": mirror, "build_seconds": round(seconds, 1)}, f)
        os.rename(tmp, final)  # atomic: a chroot dir exists only when complete
        log(f"built {final} in {seconds:.0f}s")
    except BaseException:
        _remove(tmp)
        raise


def ensure_chroot():
    """The chroot's root directory, built first if missing (needs root and the network)."""
    final = chroot_dir()
    root = os.path.join(final, "root")
    if os.path.isdir(root):
        return root
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, "podman5.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # others wait here while one process builds
        if not os.path.isdir(root):
            # Anything half built is from a build that was killed: we hold the lock.
            for name in os.listdir(CACHE):
                if name.startswith(f".{os.path.basename(final)}.build-"):
                    _remove(os.path.join(CACHE, name))
            _build(final)
    return root


def wrapper(workdir):
    """Writes workdir/podman5/podman, a podman that runs the chroot's podman 5 (building the
    chroot if needed), with its /run and /var/tmp in workdir; returns its path."""
    root = ensure_chroot()
    state = os.path.join(workdir, "podman5")
    for d in ("run", "var-tmp"):
        os.makedirs(os.path.join(state, d), exist_ok=True)
    path = os.path.join(state, "podman")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                f"exec unshare --mount --propagation private {ENTER} {root} {state} \"$@\"\n")
    os.chmod(path, 0o755)
    return path


def run_in_chroot(workdir, argv, env=None, timeout=600):
    """Runs argv (a program of the chroot) the way the wrapper runs podman."""
    state = os.path.join(workdir, "podman5")
    for d in ("run", "var-tmp"):
        os.makedirs(os.path.join(state, d), exist_ok=True)
    return subprocess.run(["unshare", "--mount", "--propagation", "private", ENTER,
                           ensure_chroot(), state, "--exec", *argv],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


if __name__ == "__main__":
    t0 = time.monotonic()
    path = ensure_chroot()
    with open(os.path.join(os.path.dirname(path), "recipe.json")) as f:
        info = json.load(f)
    print(f"{path} (built in {info['build_seconds']}s; this run {time.monotonic() - t0:.1f}s)")
