"""`rootpin boot` early at boot, 20 bound images, in its two cases:

  no-op   every tag already where the booted root recorded it and the store untouched
          since rootpin listed it (the usual boot): rootpin decides from the ledger and
          its cached listing, with no podman run at all.
  moves   one tag was moved behind rootpin's back before each run (a `podman tag` on
          the store, not timed): the store's generation changed, so boot lists once and
          re-points that tag.

  A  one `podman images --format json` of the store: what the old boot always paid
  B  rootpin boot --deployment 0 (the sysroot is not booted, so it is told which one runs)
"""
import re

import benchlib
from scenario_api import Check, Comparison, Side

NAME = "boot"
DESCRIPTION = "rootpin boot with 20 bound images: no-op (no podman) and a tag to move, vs one listing"
IMAGES = 20


def prepare(ctx):
    benchlib.need_rootpin(ctx, "bind", "boot")
    fx = benchlib.Fixture(ctx)
    refs = fx.push(IMAGES, prefix="bench/boot")
    fx.bind_sysroot(refs)
    fx.rootpin_run("bind")
    fx.rootpin_run("boot", "--deployment", "0")  # caches the listing the bind's pulls changed

    log = benchlib.PodmanLog(ctx.tmp)
    listing = benchlib.sh(fx.rootpin.podman("images", "--format", "json"))
    floor = Side("podman images (floor)", listing + " >/dev/null",
                 display="podman --root STORE --runroot RUN images --format json")
    boot = fx.rootpin_cmd("boot", "--deployment", "0")

    def counted(prepare_cmd=None):
        if prepare_cmd:
            benchlib.run(["sh", "-c", prepare_cmd])
        log.reset()
        out = fx.rootpin_run("boot", "--deployment", "0", podman=log.path).stdout
        m = re.search(r"(\d+) tags re-pointed", out)
        return {"b_podman_runs": log.count(), "b_retagged": int(m.group(1)) if m else None}

    noop = Comparison(
        variant="no-op", a=floor,
        b=Side("rootpin boot (no-op)", boot + " >/dev/null", display="rootpin boot --deployment 0"),
        parameters={"bound_images": IMAGES}, figures=counted(),
        checks=[Check("b_podman_runs", 0, op="==", label="no podman run"),
                Check("b_median_ms", 50, label="<= 50 ms"),
                Check("b_retagged", 0, op="==", label="nothing to re-point")])

    # Before each run: the first image's tag moves to the second image (not timed).
    move = benchlib.sh(fx.rootpin.podman("tag", refs[1], refs[0]))
    moves = Comparison(
        variant="moves", a=floor,
        b=Side("rootpin boot (a tag moves)", boot + " >/dev/null",
               display="rootpin boot --deployment 0", prepare=move + " >/dev/null"),
        parameters={"bound_images": IMAGES}, figures=counted(move),
        checks=[Check("b_podman_runs", 2, op="==", label="one listing + one tag"),
                Check("b_retagged", 1, op="==", label="the moved tag re-pointed")],
        cleanup=fx.close)
    return [noop, moves]
