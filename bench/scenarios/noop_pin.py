"""No-op bind: 8 images already pinned, asked for again.

bootc-style asks podman once per image (`podman image exists`, 8 runs); rootpin lists its
store once and finds all 8 there. Two rootpin forms, each its own variant:
  bind    `rootpin bind` of a deployment whose 8 bound .image units are bound already
  pin     `rootpin pin REF...`, the 8 references again (one run per reference where rootpin's
          pin takes only one: then 8 rootpin runs and 8 listings, held to no ratio target)
  bind-system  `rootpin --pin-mode system bind` of the same deployment, bound already in
          podman's own store (a private one here, named with --store) with a placeholder
          per unit: one listing of the images; the containers from rootpin's cache
  bind-system-unnamed  the same with no --store/--runroot: podman's own store as podman
          says it (made private here by CONTAINERS_STORAGE_CONF and CONTAINERS_CONF, as a
          host's storage.conf names /var/lib/containers/storage): its graph root is podman's
          to say, so no cache vouches for it: one listing of the images, one of the containers
Counted in one instrumented run of each side, outside the timed runs: podman runs (through a
podman that logs each run) and registry requests (the registry's access log).
"""
import os
import subprocess

import benchlib
from scenario_api import Check, Comparison, Side

NAME = "noop-pin"
DESCRIPTION = "8 pinned images asked for again: rootpin vs bootc-style (podman image exists x8)"
IMAGES = 8


def pin_takes_many(fx):
    """Whether this rootpin's pin accepts several references in one run."""
    r = subprocess.run(fx.rootpin.argv("pin", "--help"), capture_output=True, text=True)
    return "reference ..." in r.stdout.lower() or "references" in r.stdout.lower()


def pin_command(fx, refs, many, podman=None):
    if many:
        return fx.rootpin_cmd("pin", *refs, podman=podman) + " >/dev/null"
    return " && ".join(fx.rootpin_cmd("pin", r, podman=podman) + " >/dev/null" for r in refs)


def counted(fx, log, command):
    """(podman runs, registry requests) of one run of a shell command."""
    log.reset()
    before = fx.requests()
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    return log.count(), fx.requests() - before


def prepare(ctx):
    benchlib.need_rootpin(ctx, "pin")
    fx = benchlib.Fixture(ctx)
    refs = fx.push(IMAGES)
    log = benchlib.PodmanLog(ctx.tmp)
    baseline_store = os.path.join(ctx.tmp, "bootc-style-store")
    # Both stores hold the 8 images before any timed run.
    benchlib.run(["sh", "-c", fx.bootc_style_cmd(baseline_store, refs)])
    for r in refs:
        fx.rootpin_run("pin", r)

    a_cmd = fx.bootc_style_cmd(baseline_store, refs) + " >/dev/null"
    a_runs, a_requests = counted(fx, log, fx.bootc_style_cmd(baseline_store, refs, log.path))
    checks = [Check("b_podman_runs", 2, label="podman runs <= 2"),
              Check("b_registry_requests", 0, label="registry requests = 0"),
              Check("ratio", 0.5, label="time <= 0.5x bootc-style")]
    comparisons = []

    many = pin_takes_many(fx)
    b_runs, b_requests = counted(fx, log, pin_command(fx, refs, many, log.path))
    comparisons.append(Comparison(
        variant="pin",
        a=Side("bootc-style", a_cmd, display="bootc_style.sh STORE REF1..REF8"),
        b=Side("rootpin pin", pin_command(fx, refs, many),
               display="rootpin pin REF1..REF8" if many else "rootpin pin REF (x8, one run each)"),
        parameters={"images": IMAGES, "pin_takes_many_references": many},
        figures={"a_podman_runs": a_runs, "a_registry_requests": a_requests,
                 "b_podman_runs": b_runs, "b_registry_requests": b_requests},
        # The no-op targets are bind's (below). A pin that takes one reference runs
        # once per reference, each run listing the store once: that is what is checked here,
        # and the time is reported, not held to bind's 0.5x.
        checks=checks if many else [
            Check("b_podman_runs", IMAGES, label="one podman listing per pin run"),
            Check("b_registry_requests", 0, label="registry requests = 0")]))

    if benchlib.has_command(ctx, "bind"):
        fx.bind_sysroot(refs)
        fx.rootpin_run("bind")
        bind = fx.rootpin_cmd("bind") + " >/dev/null"
        b_runs, b_requests = counted(fx, log, fx.rootpin_cmd("bind", podman=log.path))
        comparisons.append(Comparison(
            variant="bind",
            a=Side("bootc-style", a_cmd, display="bootc_style.sh STORE REF1..REF8"),
            b=Side("rootpin bind", bind, display="rootpin bind (deployment 0, 8 bound .image units)"),
            parameters={"images": IMAGES},
            figures={"a_podman_runs": a_runs, "a_registry_requests": a_requests,
                     "b_podman_runs": b_runs, "b_registry_requests": b_requests},
            checks=checks))
        if system_mode_supported(fx):
            comparisons.append(bind_system(ctx, fx, log, a_cmd, a_runs, a_requests, checks))
            comparisons.append(bind_system_unnamed(ctx, fx, log, a_cmd, a_runs, a_requests,
                                                   checks))
    comparisons[-1].cleanup = fx.close
    return comparisons


def system_mode_supported(fx):
    r = subprocess.run(fx.rootpin.argv("--help"), capture_output=True, text=True)
    return "--pin-mode" in r.stdout


def system_comparison(fx, log, baseline, command, variant, b_name, b_display, store):
    """A no-op bind in pin mode system against bootc-style: `command(podman)` is its shell
    line, run once before (the bind that pulls and creates the placeholders)."""
    a_cmd, a_runs, a_requests, checks = baseline
    benchlib.run(["sh", "-c", command() + " >/dev/null"])
    b_runs, b_requests = counted(fx, log, command(log.path))
    return Comparison(
        variant=variant,
        a=Side("bootc-style", a_cmd, display="bootc_style.sh STORE REF1..REF8"),
        b=Side(b_name, command() + " >/dev/null", display=b_display),
        parameters={"images": IMAGES, "pin_mode": "system", "store": store},
        figures={"a_podman_runs": a_runs, "a_registry_requests": a_requests,
                 "b_podman_runs": b_runs, "b_registry_requests": b_requests},
        checks=checks)


def bind_system(ctx, fx, log, a_cmd, a_runs, a_requests, checks):
    """The same no-op bind in pin mode system: a rootpin with its own state dir and store
    (standing in for podman's own), the deployment bound once before."""
    from rootpin import Rootpin
    rp = Rootpin(ctx.rootpin_bin, ctx.tmp, env=fx.images.env(), name="rootpin-system")
    rp.sysroot = fx.rootpin.sysroot

    def command(podman=None):
        argv = rp.argv("--pin-mode", "system", "bind")
        if podman:
            argv[1:1] = ["--podman", podman]
        env = {**fx.images.env(), "ROOTPIN_CONFIG_DIR": rp.config_dir}
        return f"{benchlib.env_prefix(env)} {benchlib.sh(argv)}"

    return system_comparison(
        fx, log, (a_cmd, a_runs, a_requests, checks), command, "bind-system",
        "rootpin bind (pin mode system)",
        "rootpin --pin-mode system bind (8 bound .image units, 8 placeholders)", "named")


def bind_system_unnamed(ctx, fx, log, a_cmd, a_runs, a_requests, checks):
    """bind-system without --store/--runroot: podman's default store, which the environment
    makes private (storage.conf's graphroot and runroot, containers.conf's tmp_dir)."""
    base = os.path.join(ctx.tmp, "unnamed")
    for d in ("state", "etc"):
        os.makedirs(os.path.join(base, d), exist_ok=True)
    storage_conf, containers_conf = (os.path.join(base, n) for n in ("storage.conf",
                                                                      "containers.conf"))
    with open(storage_conf, "w") as f:
        f.write(f'[storage]\ngraphroot = "{base}/graph"\nrunroot = "{base}/run"\n')
    with open(containers_conf, "w") as f:
        f.write(f'[engine]\ntmp_dir = "{base}/libpod"\n')
    env = {**fx.images.env(), "ROOTPIN_CONFIG_DIR": os.path.join(base, "etc"),
           "CONTAINERS_STORAGE_CONF": storage_conf, "CONTAINERS_CONF": containers_conf}

    def command(podman=None):
        argv = [ctx.rootpin_bin, *(["--podman", podman] if podman else []), "--state-dir",
                os.path.join(base, "state"), "--sysroot", fx.rootpin.sysroot, "--config-dir",
                os.path.join(base, "etc"), "--pin-mode", "system", "bind"]
        return f"{benchlib.env_prefix(env)} {benchlib.sh(argv)}"

    return system_comparison(
        fx, log, (a_cmd, a_runs, a_requests, checks), command, "bind-system-unnamed",
        "rootpin bind (pin mode system, podman's own store)",
        "rootpin --pin-mode system bind, no --store (8 units, 8 placeholders)", "unnamed")
