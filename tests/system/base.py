"""The Debian 13 roots the VM image is made from, built from Debian's packages and cached.

    runtime/  debootstrap trixie with what the booted host runs (kernel, systemd, ostree,
              ostree-boot + dracut, podman, crun) and rootpin's runtime libraries
    build/    a copy of runtime/ plus rootpin's build dependencies: rootpin is compiled
              there, with Debian 13's own toolchain, so the binary matches its libraries

Both live in /var/cache/rootpin-tests/vm-base-<hash>, the hash taken over the package
lists and ensure_base's source: editing either rebuilds them, a rootpin source change
does not. Needs root and the network (deb.debian.org), as tools/bootstrap does.
"""
import hashlib
import inspect
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chroot import Chroot, log, remove_tree, run  # noqa: E402

CACHE = os.environ.get("ROOTPIN_TEST_CACHE", "/var/cache/rootpin-tests")
MIRROR = os.environ.get("ROOTPIN_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SUITE = "trixie"

# debootstrap's resolver would pick initramfs-tools for the kernel, which conflicts with
# dracut (the only generator ostree-boot supports): debootstrap a small systemd root, then
# apt installs the rest.
DEBOOTSTRAP_PACKAGES = ["systemd", "systemd-sysv", "udev", "dbus", "kmod", "e2fsprogs"]
RUNTIME_PACKAGES = [
    "dracut", "linux-image-amd64", "ostree", "ostree-boot",
    "podman", "crun",
    # rootpin's runtime libraries (libostree, glib and libsystemd come with the above)
    "libfmt10", "libyaml-0-2",
    # the containers' payload (a static busybox)
    "busybox-static",
]
BUILD_PACKAGES = [
    "cmake", "ninja-build", "g++", "pkg-config",
    "libostree-dev", "libglib2.0-dev", "libsystemd-dev", "libcli11-dev",
    "nlohmann-json3-dev", "libfmt-dev", "libyaml-dev",
]


def recipe_hash():
    """Over what makes the roots: the suite, the package lists, ensure_base's commands."""
    recipe = repr((SUITE, DEBOOTSTRAP_PACKAGES, RUNTIME_PACKAGES, BUILD_PACKAGES,
                   inspect.getsource(ensure_base)))
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def base_dir():
    return os.path.join(CACHE, f"vm-base-{recipe_hash()}")


def ensure_base():
    """Builds runtime/ and build/ if missing; returns the base directory."""
    top = base_dir()
    done = os.path.join(top, "done")
    if os.path.exists(done):
        return top
    remove_tree(top)
    os.makedirs(top)
    runtime = os.path.join(top, "runtime")
    build = os.path.join(top, "build")
    t0 = time.monotonic()
    log(f"debootstrap {SUITE} into {runtime}")
    run(["nice", "-n", "10", "debootstrap", "--variant=minbase",
         "--include=" + ",".join(DEBOOTSTRAP_PACKAGES), SUITE, runtime, MIRROR],
        stdout=subprocess.DEVNULL)
    with Chroot(runtime) as c:
        c.run(["apt-get", "update", "-qq"])
        c.run(["nice", "-n", "10", "apt-get", "install", "-y", "-qq", "--no-install-recommends",
               *RUNTIME_PACKAGES], stdout=subprocess.DEVNULL)
        c.run(["apt-get", "clean"])
    log(f"runtime root done in {time.monotonic() - t0:.0f}s; copying it for the build root")
    run(["cp", "-a", runtime, build])
    with Chroot(build) as c:
        c.run(["nice", "-n", "10", "apt-get", "install", "-y", "-qq", "--no-install-recommends",
               *BUILD_PACKAGES], stdout=subprocess.DEVNULL)
        c.run(["apt-get", "clean"])
    log(f"base roots done in {time.monotonic() - t0:.0f}s")
    open(done, "w").close()
    return top
