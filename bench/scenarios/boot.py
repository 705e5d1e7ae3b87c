"""`rootpin boot` early at boot: 20 bound images, every tag already where the booted root
recorded it (the common case), so nothing to re-point.

  A  one `podman images --format json` of the store: the floor, since boot must list once
  B  rootpin boot --deployment 0 (the sysroot is not booted, so it is told which one runs)
"""
import re

import benchlib
from scenario_api import Check, Comparison, Side

NAME = "boot"
DESCRIPTION = "rootpin boot with 20 bound images, nothing to re-point, vs one podman listing"
IMAGES = 20


def prepare(ctx):
    benchlib.need_rootpin(ctx, "bind", "boot")
    fx = benchlib.Fixture(ctx)
    fx.bind_sysroot(fx.push(IMAGES, prefix="bench/boot"))
    fx.rootpin_run("bind")

    log = benchlib.PodmanLog(ctx.tmp)
    out = fx.rootpin_run("boot", "--deployment", "0", podman=log.path).stdout
    m = re.search(r"(\d+) tags re-pointed", out)
    listing = benchlib.sh(fx.rootpin.podman("images", "--format", "json"))
    return Comparison(
        a=Side("podman images (floor)", listing + " >/dev/null",
               display="podman --root STORE --runroot RUN images --format json"),
        b=Side("rootpin boot", fx.rootpin_cmd("boot", "--deployment", "0") + " >/dev/null",
               display="rootpin boot --deployment 0"),
        parameters={"bound_images": IMAGES},
        figures={"b_podman_runs": log.count(), "b_retagged": int(m.group(1)) if m else None},
        checks=[Check("b_podman_runs", 1, label="<= 1 podman run"),
                Check("b_median_ms", 100, label="<= 100 ms"),
                Check("b_retagged", 0, op="==", label="nothing to re-point")],
        cleanup=fx.close)
