"""gc after ostree retired 100 roots: 400 images that only those roots held leave the store.

The store holds 408 images: 4 for each of 100 roots the ledger records but the sysroot no
longer has (retired), and the 8 that its one live deployment is bound with. Both sides must
remove the same 400 and keep the 8 (checked after an instrumented run of each).

  A  bootc_style_prune.sh STORE LIVE_NAME...: bootc's prune_except_roots, step for step: one
     listing, then `podman image rm` per chunk of 100 IDs (4 runs for 400)
  B  rootpin gc: retire the 100 records (ledger saved first), one listing, one `podman rmi`
     of every unheld image

Both run on the same store path, restored before every run (untimed: hyperfine --prepare)
from a copy made once after one `podman load` (podman's database records the store's path,
so the copy is restored in place). Counted in one instrumented run of each side: podman
runs, listings, removal runs, images left.
"""
import hashlib
import json
import os

import benchlib
from scenario_api import Check, Comparison, Side

NAME = "gc"
DESCRIPTION = "gc of 100 retired roots (400 images) vs bootc-style prune: time and podman runs"
RETIRED_ROOTS = 100
IMAGES_PER_ROOT = 4
LIVE_IMAGES = 8
LISTING = r"(^| )(images|image list|image ls)( |$)"
REMOVAL = r"(^| )(rmi|image rm)( |$)"


def fake_root_id(n):
    return f"testos/{hashlib.sha256(f'retired {n}'.encode()).hexdigest()}.0"


def bound(unit, name, image):
    return {"unit": unit, "reference": name, "digest": image.get("Digest", ""),
            "image_id": image["Id"], "time": "2026-01-01T00:00:00Z"}


def ledger(live_root, live_names, retired_names, by_name):
    roots = {live_root: {"bound_at": "2026-01-01T00:00:00Z",
                         "images": [bound(f"b{i}.image", n, by_name[n])
                                    for i, n in enumerate(live_names)]}}
    for r in range(RETIRED_ROOTS):
        names = retired_names[r * IMAGES_PER_ROOT:(r + 1) * IMAGES_PER_ROOT]
        roots[fake_root_id(r)] = {"bound_at": "2025-01-01T00:00:00Z",
                                  "images": [bound(f"r{i}.image", n, by_name[n])
                                             for i, n in enumerate(names)]}
    return {"version": 1, "roots": roots, "pins": []}


def prepare(ctx):
    benchlib.need_rootpin(ctx, "gc")
    fx = benchlib.Fixture(ctx)
    rp = fx.rootpin
    live_names = [f"localhost/bench/live{i}:1" for i in range(LIVE_IMAGES)]
    retired_names = [f"localhost/bench/gc{i}:1"
                     for i in range(RETIRED_ROOTS * IMAGES_PER_ROOT)]
    archive = benchlib.docker_archive(os.path.join(ctx.tmp, "images.tar"),
                                      live_names + retired_names)
    benchlib.run(rp.podman("load", "-q", "-i", archive), env=rp.env, timeout=1800)
    os.remove(archive)
    by_name = {}
    for image in rp.store_images():
        for name in image.get("Names") or []:
            by_name[name] = image
    missing = [n for n in live_names + retired_names if n not in by_name]
    if missing:
        raise RuntimeError(f"gc: podman load did not store {len(missing)} image(s), e.g. {missing[0]}")

    _, sysroot = fx.bind_sysroot(live_names)
    live_root = sysroot.root_ids()[0]
    os.makedirs(rp.state_dir, exist_ok=True)
    pristine_ledger = os.path.join(ctx.tmp, "ledger.pristine.json")
    benchlib.write_json(pristine_ledger, ledger(live_root, live_names, retired_names, by_name))
    pristine_store = os.path.join(ctx.tmp, "store.pristine")
    benchlib.run(["cp", "-a", rp.store, pristine_store])

    restore = os.path.join(ctx.tmp, "restore.sh")
    with open(restore, "w") as f:
        f.write("#!/bin/sh\nset -e\n"
                f"rm -rf {benchlib.sh([rp.store, rp.runroot])}\n"
                f"cp -a {benchlib.sh([pristine_store, rp.store])}\n"
                f"cp {benchlib.sh([pristine_ledger, rp.ledger_path])}\n")
    os.chmod(restore, 0o755)

    def prune_cmd(podman=None):
        argv = [benchlib.BOOTC_STYLE_PRUNE, "--runroot", rp.runroot]
        argv += ["--podman", podman] if podman else []
        return benchlib.sh(argv + [rp.store, *live_names])

    log = benchlib.PodmanLog(ctx.tmp)
    figures = {}
    for side, command in (("a", prune_cmd(log.path)),
                          ("b", fx.rootpin_cmd("gc", podman=log.path))):
        benchlib.run([restore])
        log.reset()
        benchlib.run(["sh", "-c", command + " >/dev/null"], env=rp.env)
        left = sorted(n for i in rp.store_images() for n in i.get("Names") or [])
        if left != sorted(live_names):
            raise RuntimeError(f"gc: side {side.upper()} left {len(left)} image(s), "
                               f"not the {LIVE_IMAGES} live ones: {left[:10]}")
        figures.update({f"{side}_podman_runs": log.count(),
                        f"{side}_listings": log.count(LISTING),
                        f"{side}_removal_runs": log.count(REMOVAL),
                        f"{side}_images_removed": len(retired_names)})
    ledger_after = rp.ledger()
    figures["b_roots_left_in_ledger"] = len(ledger_after["roots"]) if ledger_after else None

    return Comparison(
        a=Side("bootc-style prune", prune_cmd() + " >/dev/null", prepare=restore,
               display="bootc_style_prune.sh --runroot RUN STORE LIVE1..LIVE8"),
        b=Side("rootpin gc", fx.rootpin_cmd("gc") + " >/dev/null", prepare=restore,
               display="rootpin gc (ledger: 100 retired roots x 4 images + 1 live root x 8)"),
        parameters={"retired_roots": RETIRED_ROOTS, "images_per_retired_root": IMAGES_PER_ROOT,
                    "live_images": LIVE_IMAGES,
                    "store_images": LIVE_IMAGES + len(retired_names)},
        figures=figures,
        checks=[Check("b_listings", 1, op="==", label="one listing"),
                Check("b_removal_runs", 1, label="removals batched (one podman rmi)"),
                Check("b_roots_left_in_ledger", 1, op="==", label="100 retired records dropped")],
        # Each run removes 400 images (about a minute on a busy 2-CPU machine): few runs.
        rounds=3, runs=1, warmup=0,
        cleanup=fx.close)
