"""Helpers of the image build: logging, commands, chroots with /proc, /sys and /dev
mounted, and a removal that never descends into a mount (a killed build can leave the
host's /dev bound into a chroot: removing through it would empty the host's)."""
import os
import shutil
import subprocess
import time


def log(msg):
    print(f"[vm-image {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def mounts_below(path):
    prefix = os.path.realpath(path).rstrip("/") + "/"
    with open("/proc/self/mounts") as f:
        return [m for m in (line.split()[1] for line in f) if m.startswith(prefix)]


def remove_tree(path):
    """rm -rf path, after unmounting whatever is mounted below it; refuses if that fails."""
    if not os.path.lexists(path):
        return
    for m in sorted(mounts_below(path), reverse=True):
        subprocess.run(["umount", "-R", "-l", m], check=False)
    left = mounts_below(path)
    if left:
        raise RuntimeError(f"{path} still has mounts below it ({left[0]}...); not removing it")
    subprocess.run(["chattr", "-R", "-i", path], check=False, stderr=subprocess.DEVNULL)
    shutil.rmtree(path)


class Chroot:
    """/proc, /sys, /dev mounted in a root for the duration of a with-block."""

    def __init__(self, root):
        self.root = root

    def __enter__(self):
        for src, opts in (("/proc", ["-t", "proc", "proc"]), ("/sys", ["--rbind", "/sys"]),
                          ("/dev", ["--rbind", "/dev"])):
            target = os.path.join(self.root, src.lstrip("/"))
            os.makedirs(target, exist_ok=True)
            try:
                run(["mount", *opts, target])
                if "--rbind" in opts:
                    run(["mount", "--make-rslave", target])
            except BaseException:
                self.__exit__()
                raise
        return self

    def run(self, cmd, env_extra=None, **kw):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
               "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root", **(env_extra or {})}
        run(["chroot", self.root, *cmd], env=env, **kw)

    def __exit__(self, *exc):
        for m in sorted(mounts_below(self.root), reverse=True):
            subprocess.run(["umount", "-R", "-l", m], check=False)
        if mounts_below(self.root):
            raise RuntimeError(f"could not unmount everything below {self.root}")
