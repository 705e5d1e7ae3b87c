"""The VM's disk: rootpin built inside the Debian 13 build root, installed into a copy of
the runtime root with its units enabled as the README says, committed with ostree and
deployed into a sysroot that becomes an ext4 disk image (mkfs.ext4 -d, no loop mount).

    python3 tests/system/image.py        build (or find) the image and print where it is

Cached in /var/cache/rootpin-tests/vm-<hash>, the hash taken over the base's recipe,
this file, guest/ and rootpin's sources: a source change rebuilds rootpin (incrementally,
the build tree is kept in the base's build root), the commit and the disk, in minutes.

    repo/      archive ostree repo, ref rootpin/vm = version 1 (tests serve copies of it)
    disk.img   the sysroot: version 1 deployed (stateroot "debian", origin rootpin:rootpin/vm)
    info.json  kernel version, commit
"""
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import base  # noqa: E402
from base import CACHE  # noqa: E402
from chroot import Chroot, log, remove_tree, run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("ROOTPIN_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
# What the build reads: the top-level CMakeLists.txt, tools/check_layers (the build runs it
# on the includes) and every top-level directory but these (tests and man pages are off,
# BUILD_TESTING=OFF ROOTPIN_MAN=OFF), nor build trees or dot-directories.
SOURCE_SKIP = {"tests", "tools", "bench", "docs", "man"}


def source_parts():
    return ["CMakeLists.txt", "tools/check_layers"] + sorted(
        d for d in os.listdir(SOURCE)
        if os.path.isdir(os.path.join(SOURCE, d)) and d not in SOURCE_SKIP
        and not d.startswith((".", "build")))


DISK_SIZE = "6G"
LABEL = "rootpin-vm"
OSNAME = "debian"
BRANCH = "rootpin/vm"
REMOTE = "rootpin"
# What the guest reaches through qemu's guestfwd (see vm.py): the registry and the ostree repo.
REGISTRY_GUEST = "10.0.2.100:5000"
OSTREE_URL_GUEST = "http://10.0.2.101:8000/"
# systemd's status lines only when something fails or hangs; journald forwards the rest.
KARGS = ["root=LABEL=" + LABEL, "rw", "console=ttyS0,115200", "panic=1", "loglevel=4",
         "systemd.show_status=auto"]
UNITS_ENABLED = ["rootpin-upgrade.timer", "rootpin-bind.path", "rootpin-boot.service"]


def _files(top, parts):
    for part in parts:
        path = os.path.join(top, part)
        if os.path.isfile(path):
            yield part
            continue
        for d, dirs, files in os.walk(path):
            dirs.sort()
            for f in sorted(files):
                yield os.path.relpath(os.path.join(d, f), top)


def recipe_hash():
    h = hashlib.sha256(base.recipe_hash().encode())
    with open(__file__, "rb") as f:
        h.update(f.read())
    for top, parts in ((HERE, ["guest"]), (SOURCE, source_parts())):
        for rel in _files(top, parts):
            h.update(rel.encode() + b"\0")
            path = os.path.join(top, rel)
            if os.path.islink(path):
                h.update(b"L" + os.readlink(path).encode())
            else:
                with open(path, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()[:16]


def image_dir():
    return os.path.join(CACHE, f"vm-{recipe_hash()}")


def _sync_sources(dest):
    """Copies the sources into dest, rewriting only files whose content changed (so that
    ninja's incremental build in the kept build tree stays incremental)."""
    wanted = set(_files(SOURCE, source_parts()))
    for rel in wanted:
        src, dst = os.path.join(SOURCE, rel), os.path.join(dest, rel)
        with open(src, "rb") as f:
            data = f.read()
        try:
            with open(dst, "rb") as f:
                if f.read() == data:
                    continue
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
        shutil.copymode(src, dst)
    for d, _dirs, files in os.walk(dest):
        for f in files:
            if os.path.relpath(os.path.join(d, f), dest) not in wanted:
                os.unlink(os.path.join(d, f))


def _build_rootpin(build_root):
    t0 = time.monotonic()
    src = os.path.join(build_root, "src", "rootpin")
    _sync_sources(src)
    out = os.path.join(build_root, "out")
    remove_tree(out)
    # ninja reports a failed compile on stdout: keep it in a log, show its tail on failure.
    build_log = os.path.join(build_root, "rootpin-build.log")
    with Chroot(build_root) as c, open(build_log, "w") as logf:
        quiet = {"stdout": logf, "stderr": subprocess.STDOUT}
        try:
            c.run(["cmake", "-S", "/src/rootpin", "-B", "/src/build", "-G", "Ninja",
                   "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DBUILD_TESTING=OFF",
                   "-DROOTPIN_MAN=OFF", "-DCMAKE_INSTALL_PREFIX=/usr"], **quiet)
            c.run(["nice", "-n", "10", "cmake", "--build", "/src/build", "-j2"], **quiet)
            c.run(["cmake", "--install", "/src/build", "--prefix", "/usr"],
                  env_extra={"DESTDIR": "/out"}, **quiet)
        except subprocess.CalledProcessError:
            logf.flush()
            with open(build_log, errors="replace") as f:
                log("rootpin's build failed; the end of " + build_log + ":\n"
                    + "".join(f.readlines()[-40:]))
            raise
    log(f"rootpin built in the Debian 13 root in {time.monotonic() - t0:.0f}s")
    return out


def _copy_tree(src, dst):
    run(["cp", "-a", "--no-target-directory", src, dst])


def _prepare_root(stage, out):
    """Installs rootpin and the guest files into stage and turns it into an ostree root."""
    _copy_tree(out, stage + ".out-tmp")
    run(["cp", "-a", stage + ".out-tmp/.", stage + "/"])
    remove_tree(stage + ".out-tmp")
    run(["cp", "-a", os.path.join(HERE, "guest", "rootfs") + "/.", stage + "/"])
    for f in ("etc/machine-id",):
        os.makedirs(os.path.dirname(os.path.join(stage, f)), exist_ok=True)
    with open(os.path.join(stage, "etc/machine-id"), "w") as f:
        f.write("a3c0de5a1e0b4b2f9b8f7e6d5c4b3a29\n")
    with open(os.path.join(stage, "etc/hostname"), "w") as f:
        f.write("rootpin-vm\n")
    with open(os.path.join(stage, "etc/fstab"), "w") as f:
        f.write("# the root is mounted by ostree-prepare-root in the initramfs\n")
    kver = sorted(os.listdir(os.path.join(stage, "usr/lib/modules")))[-1]
    moddir = os.path.join(stage, "usr/lib/modules", kver)
    with Chroot(stage) as c:
        c.run(["systemctl", "enable", *UNITS_ENABLED, "rootpin-test-agent.service",
               "systemd-networkd.service"])
        # serial-getty hangs up the console and swallows output: the tests talk over virtio.
        c.run(["systemctl", "mask", "serial-getty@ttyS0.service"])
        missing = subprocess.run(["chroot", stage, "ldd", "/usr/bin/rootpin"], check=True,
                                 capture_output=True, text=True).stdout
        if "not found" in missing:
            raise RuntimeError(f"rootpin lacks libraries in the runtime root:\n{missing}")
        # A small initramfs: ostree's dracut module, only the drivers a virtio VM needs.
        c.run(["dracut", "--force", "--quiet", "--no-hostonly", "--add", "ostree",
               "--drivers", "virtio_pci virtio_blk ext4 overlay",
               f"/usr/lib/modules/{kver}/initramfs.img", kver])
    shutil.move(os.path.join(stage, f"boot/vmlinuz-{kver}"), os.path.join(moddir, "vmlinuz"))
    for entry in os.listdir(os.path.join(stage, "boot")):
        p = os.path.join(stage, "boot", entry)
        remove_tree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
    for link in ("vmlinuz", "vmlinuz.old", "initrd.img", "initrd.img.old"):
        if os.path.lexists(os.path.join(stage, link)):
            os.unlink(os.path.join(stage, link))
    # ostree layout: /etc is /usr/etc in a commit, /var belongs to the stateroot (returned,
    # copied into the sysroot's stateroot), mutable top-level dirs point into /var.
    shutil.move(os.path.join(stage, "etc"), os.path.join(stage, "usr/etc"))
    var = stage + ".var"
    shutil.move(os.path.join(stage, "var"), var)
    os.mkdir(os.path.join(stage, "var"))
    for name, target in (("home", "var/home"), ("root", "var/roothome"), ("opt", "var/opt"),
                         ("srv", "var/srv"), ("mnt", "var/mnt"), ("usr/local", "../var/usrlocal")):
        path = os.path.join(stage, name)
        vdir = os.path.join(var, os.path.basename(target))
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.move(path, vdir)
        os.makedirs(vdir, exist_ok=True)
        if os.path.lexists(path):
            os.unlink(path)
        os.symlink(target, path)
    media = os.path.join(stage, "media")
    if os.path.isdir(media):
        remove_tree(media)
    os.symlink("run/media", media)
    for d in ("dev", "proc", "sys", "run", "tmp"):
        p = os.path.join(stage, d)
        remove_tree(p)
        os.mkdir(p)
    os.chmod(os.path.join(stage, "tmp"), 0o1777)
    os.mkdir(os.path.join(stage, "sysroot"))
    os.symlink("sysroot/ostree", os.path.join(stage, "ostree"))
    return kver, var


def _build_image(top, base_top):
    t0 = time.monotonic()
    out = _build_rootpin(os.path.join(base_top, "build"))
    stage = os.path.join(top, "stage")
    _copy_tree(os.path.join(base_top, "runtime"), stage)
    kver, var = _prepare_root(stage, out)
    repo = os.path.join(top, "repo")
    run(["ostree", "init", f"--repo={repo}", "--mode=archive"])
    run(["ostree", f"--repo={repo}", "commit", f"--branch={BRANCH}", "--subject=version 1",
         "--add-metadata-string=version=1", f"--tree=dir={stage}"], stdout=subprocess.DEVNULL)
    log(f"committed in {time.monotonic() - t0:.0f}s")
    sysroot = os.path.join(top, "sysroot")
    os.mkdir(sysroot)
    run(["ostree", "admin", "init-fs", "--modern", sysroot])
    run(["ostree", "admin", f"--sysroot={sysroot}", "os-init", OSNAME])
    srepo = os.path.join(sysroot, "ostree/repo")
    run(["ostree", f"--repo={srepo}", "remote", "add", "--no-gpg-verify", REMOTE,
         OSTREE_URL_GUEST, BRANCH])
    run(["ostree", f"--repo={srepo}", "pull-local", f"--remote={REMOTE}", repo, BRANCH])
    run(["ostree", "admin", f"--sysroot={sysroot}", "deploy", f"--os={OSNAME}",
         *[f"--karg={k}" for k in KARGS], f"{REMOTE}:{BRANCH}"], stdout=subprocess.DEVNULL)
    run(["cp", "-a", var + "/.", os.path.join(sysroot, "ostree/deploy", OSNAME, "var") + "/"])
    disk = os.path.join(top, "disk.img")
    run(["mkfs.ext4", "-q", "-L", LABEL, "-d", sysroot, disk, DISK_SIZE])
    log(f"disk image done in {time.monotonic() - t0:.0f}s")
    commit = subprocess.run(["ostree", f"--repo={repo}", "rev-parse", BRANCH], check=True,
                            capture_output=True, text=True).stdout.strip()
    with open(os.path.join(top, "info.json"), "w") as f:
        json.dump({"kernel": kver, "commit": commit}, f)
    for tree in (stage, var, sysroot):
        remove_tree(tree)


def ensure_image():
    """Returns the image directory, building what is missing. One builder at a time."""
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, "vm.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        base_top = base.ensure_base()
        top = image_dir()
        if os.path.exists(os.path.join(top, "done")):
            return top
        remove_tree(top)
        os.makedirs(top)
        _build_image(top, base_top)
        open(os.path.join(top, "done"), "w").close()
        _prune(keep={top, base_top})
        return top


def _prune(keep):
    """Removes other vm-* images (each is GBs); bases other than ours too."""
    for name in os.listdir(CACHE):
        path = os.path.join(CACHE, name)
        if name.startswith("vm-") and os.path.isdir(path) and path not in keep:
            remove_tree(path)


if __name__ == "__main__":
    # SIGTERM unwinds like Ctrl-C, so the chroots' mounts are undone.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t = time.monotonic()
    print(ensure_image())
    log(f"ready in {time.monotonic() - t:.0f}s")
