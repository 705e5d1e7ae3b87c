"""rootpin upgrade vs libostree's own pull + deploy (`ostree admin upgrade`) on the same
sysroot, between two commits whose 8 bound images share 6.

  A  ostree admin upgrade --os=testos: what any upgrade costs without rootpin
  B  rootpin upgrade: the same pull + deploy (libostree), then scan the new root, list the
     store, pull the 2 new images, record the root, gc

Both sides start each run from the same state, restored untimed (hyperfine --prepare): the
old root deployed and bound, the update's commit in the sysroot's repo (the first run pulls
it; every later run of either side deploys it from there), the new deployment undeployed
and `rootpin gc` run to drop what only it held.

Counted in instrumented runs of B (outside the timed ones): registry requests for the 6
shared images (target 0: they are in the store already, bound to the old root), all
registry requests, podman runs, and the wall time during which podman pulled the 2 new
images (the logging podman stamps each run's start and end).

rootpin's own overhead is what B costs beyond the work any tool must do for this upgrade:
    overhead = median(B) - median(A) - pull wall time of the 2 new images
i.e. scanning the new root, its podman listings, the ledger write, the gc and its own start,
measured side by side with libostree's pull + deploy on the same sysroot. The part of it
that is rootpin's own process, not the podman listings it runs, is also reported:
    overhead_without_podman = median(B) - median(A) - wall time of every podman run
On a busy machine wall time inflates everything by the run queue's length, so the same is
also measured in CPU time (/usr/bin/time, user + system, medians):
    overhead_cpu = CPU(rootpin's process, podman's excluded) - CPU(ostree admin upgrade)
"""
import os
import statistics

import benchlib
from scenario_api import Check, Comparison, Side

NAME = "upgrade"
DESCRIPTION = "rootpin upgrade (6 of 8 bound images shared) vs ostree admin upgrade"
SHARED = 6
CHANGED = 2
INSTRUMENTED_RUNS = 3


def cpu_seconds(path):
    """Sum of user + system seconds over the `/usr/bin/time -f "%U %S"` lines in path."""
    with open(path) as f:
        return sum(float(x) for line in f for x in line.split()[:2]
                   if x.replace(".", "", 1).isdigit())


def cpu_figures(ctx, fx, reset, ostree_upgrade):
    """CPU time, which a busy machine does not inflate as it does wall time: A's (ostree admin
    upgrade), B's whole (rootpin and every podman it waited for) and podman's alone (each
    podman run under /usr/bin/time through a wrapper), medians over INSTRUMENTED_RUNS."""
    podman_cpu_log = os.path.join(ctx.tmp, "podman-cpu.log")
    wrapper = os.path.join(ctx.tmp, "podman-cpu")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nexec /usr/bin/time -a -o {benchlib.sh([podman_cpu_log])} '
                '-f "%U %S" podman "$@"\n')
    os.chmod(wrapper, 0o755)
    out = os.path.join(ctx.tmp, "cpu.txt")
    timed = ["/usr/bin/time", "-o", out, "-f", "%U %S"]
    a, b, podman = [], [], []
    for _ in range(INSTRUMENTED_RUNS):
        benchlib.run([reset])
        benchlib.run(["sh", "-c", f"{benchlib.sh(timed)} {ostree_upgrade} >/dev/null"])
        a.append(cpu_seconds(out))
        benchlib.run([reset])
        open(podman_cpu_log, "w").close()
        argv = fx.rootpin.argv("upgrade")
        argv[1:1] = ["--podman", wrapper]
        benchlib.run(timed + argv, env=fx.rootpin.env)
        b.append(cpu_seconds(out))
        podman.append(cpu_seconds(podman_cpu_log))
    a_ms, b_ms = statistics.median(a) * 1000, statistics.median(b) * 1000
    own_ms = statistics.median(x - y for x, y in zip(b, podman)) * 1000
    return {"a_cpu_ms": round(a_ms), "b_cpu_ms": round(b_ms),
            "b_podman_cpu_ms": round(statistics.median(podman) * 1000),
            "b_rootpin_process_cpu_ms": round(own_ms),
            "b_overhead_cpu_ms": round(own_ms - a_ms)}


def prepare(ctx):
    benchlib.need_rootpin(ctx, "bind", "upgrade", "gc")
    fx = benchlib.Fixture(ctx)
    try:
        return _prepare(ctx, fx)
    except BaseException:
        fx.close()
        raise


def _prepare(ctx, fx):
    shared = fx.push(SHARED, prefix="bench/shared")
    old = fx.push(CHANGED, prefix="bench/old")
    new = fx.push(CHANGED, prefix="bench/new")
    repo, sysroot = fx.bind_sysroot(shared + old)
    fx.rootpin_run("bind")
    units = fx.units(shared + new)
    repo.commit("2.0", units, list(units))

    reset = os.path.join(ctx.tmp, "reset.sh")
    with open(reset, "w") as f:
        f.write("#!/bin/sh\nset -e\n"
                f"if [ \"$(ls {benchlib.sh([sysroot.path])}/ostree/deploy/testos/deploy"
                " | grep -c 'origin$')\" -gt 1 ]; then\n"
                f"  ostree admin undeploy --sysroot={benchlib.sh([sysroot.path])} 0 >/dev/null\n"
                "fi\n"
                f"{fx.rootpin_cmd('gc')} >/dev/null\n")
    os.chmod(reset, 0o755)
    ostree_upgrade = benchlib.sh(["ostree", "admin", "upgrade", f"--sysroot={sysroot.path}",
                                  "--os=testos"])

    log = benchlib.PodmanLog(ctx.tmp)
    pull_walls, podman_walls, shared_requests, requests, runs, listings = [], [], [], [], [], []
    for _ in range(INSTRUMENTED_RUNS):
        benchlib.run([reset])
        log.reset()
        before_all, before_shared = fx.requests(), fx.requests(r"^/v2/bench/shared")
        fx.rootpin_run("upgrade", podman=log.path)
        pulls = [r for r in log.runs() if " pull " in f" {r[2]} "]
        if len(pulls) != CHANGED:
            raise RuntimeError(f"upgrade: expected {CHANGED} podman pulls, saw {len(pulls)}")
        pull_walls.append((max(r[1] for r in pulls) - min(r[0] for r in pulls)) * 1000)
        podman_walls.append(log.busy_seconds() * 1000)
        shared_requests.append(fx.requests(r"^/v2/bench/shared") - before_shared)
        requests.append(fx.requests() - before_all)
        runs.append(log.count())
        listings.append(log.count(r"(^| )images( |$)"))
    pull_ms = statistics.median(pull_walls)
    podman_ms = statistics.median(podman_walls)
    cpu = cpu_figures(ctx, fx, reset, ostree_upgrade)

    def derive(figures):
        return {"b_overhead_ms": figures["b_minus_a_ms"] - pull_ms,
                "b_overhead_without_podman_ms": figures["b_minus_a_ms"] - podman_ms}

    return Comparison(
        a=Side("ostree admin upgrade", ostree_upgrade + " >/dev/null", prepare=reset,
               display="ostree admin upgrade --sysroot=S --os=testos"),
        b=Side("rootpin upgrade", fx.rootpin_cmd("upgrade") + " >/dev/null", prepare=reset,
               display="rootpin --sysroot S ... upgrade"),
        parameters={"bound_images": SHARED + CHANGED, "shared": SHARED,
                    "instrumented_runs": INSTRUMENTED_RUNS},
        figures={"b_registry_requests_for_shared": max(shared_requests),
                 "b_registry_requests": max(requests), "b_podman_runs": max(runs),
                 "b_podman_listings": max(listings),
                 "b_pull_wall_ms_median": round(pull_ms, 1),
                 "b_listing_wall_ms_median": round(podman_ms - pull_ms, 1),
                 "b_pull_wall_ms_all": [round(x, 1) for x in pull_walls], **cpu},
        derive=derive,
        checks=[Check("b_registry_requests_for_shared", 0, op="==",
                      label="0 registry requests for shared images"),
                Check("b_podman_listings", 2, label="2 listings (before the plan, after the pulls)"),
                Check("b_overhead_ms", 100, label="rootpin's overhead <= 100 ms (wall)"),
                Check("b_overhead_cpu_ms", 100,
                      label="rootpin's own process <= 100 ms CPU over ostree admin upgrade")],
        rounds=4, runs=2, warmup=1,
        cleanup=fx.close)
