"""Removing what a test made, without pytest: the fixtures, the crash sweeps and tools/demo
use the same rm -rf."""
import os
import shutil
import subprocess


def remove_tree(path, ignore_errors=True):
    """rm -rf that also clears ostree's immutable attribute first. The crash sweeps pass
    ignore_errors=False: a start state they cannot restore must fail loudly."""
    if not os.path.lexists(path):
        return
    subprocess.run(["chattr", "-R", "-i", path], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    # podman may leave overlay mounts in a private store; unmount them before removing.
    with open("/proc/self/mounts") as f:
        mounts = [line.split()[1] for line in f]
    for m in sorted((m for m in mounts if m == path or m.startswith(path + "/")), reverse=True):
        subprocess.run(["umount", "-l", m], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(path, ignore_errors=ignore_errors)
