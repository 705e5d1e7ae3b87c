"""`rootpin upgrade` lists rootpin's store twice, not three times: its gc reuses the bind's
view of the store (taken under the same writer lock) and still frees what the root ostree
dropped while deploying held."""
import os

from roots_env import image_unit


def logging_podman(tmp):
    """A podman that appends its arguments to a log, then runs the real one."""
    path = os.path.join(tmp, "podman-logged")
    log = path + ".log"
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\necho "$*" >> {log}\nexec podman "$@"\n')
    os.chmod(path, 0o755)
    return path, log


def test_upgrade_gc_reuses_the_binds_listing_and_frees_the_dropped_roots_images(roots):
    keep = roots.push("acme/keep", "1")
    v1_only = roots.push("acme/v1only", "1")
    v2_only = roots.push("acme/v2only", "1")
    v3_only = roots.push("acme/v3only", "1")
    roots.boot_os({"k.image": image_unit(keep), "o.image": image_unit(v1_only)})
    roots.rootpin("bind", check=0)
    roots.commit({"k.image": image_unit(keep), "o.image": image_unit(v2_only)}, "2.0")
    roots.rootpin("upgrade", check=0)
    assert roots.names() == sorted([keep, v1_only, v2_only])
    roots.commit({"k.image": image_unit(keep), "o.image": image_unit(v3_only)}, "3.0")

    podman, log = logging_podman(roots.tmp)
    out = roots.rootpin("--podman", podman, "upgrade", check=0)

    # Deploying 3.0 dropped 1.0 (not booted: ostree keeps the previous default only).
    assert len(roots.sysroot.root_ids()) == 2
    assert "deployed" in out.stdout
    assert roots.names() == sorted([keep, v2_only, v3_only])
    with open(log) as f:
        runs = f.read().splitlines()
    listings = [r for r in runs if " images " in f" {r} "]
    removals = [r for r in runs if " rmi " in f" {r} "]
    # Before the plan and after the pull (the digests the bind records); none for the gc.
    assert len(listings) == 2, runs
    assert len(removals) == 1 and removals[0].split()[-1] != "--", runs
