"""Cold bind: 8 images of 30 MB (random, so incompressible), none of them in the store yet.

  A  bootc_style.sh STORE REF1..REF8: per image, in sequence, `podman image exists` then
     `podman image pull` (bootc's algorithm)
  B  rootpin bind: deployment 0 binds the same 8 references with .image units; rootpin lists
     its store once and pulls the 8 concurrently (--jobs, 3 by default)

Every timed run starts cold: its store, runroot (and for rootpin its state dir) are removed
before it, untimed (hyperfine --prepare). Three variants, each its own sysroot whose units
name the registry the way that variant reaches it:
  loopback   the registry on 127.0.0.1 directly
  wan        through bench/proxy.py: 25 ms each way, 100 Mbit/s per connection (a long path
             limits each TCP flow; a CDN or a registry throttles per connection), so flows in
             parallel add up. The issue's target (>= 2x faster) is stated for this one.
  wan-link   the same delay, 100 Mbit/s shared by all connections (the host's own link is
             the limit): concurrency cannot buy bandwidth, so here both sides are bounded by
             240 MB / 100 Mbit/s = 19.2 s and no target ratio is claimed.
Counted in one instrumented cold run of each side: podman runs, registry requests (the
registry's access log) and, through the proxy, the bytes received (both sides fetch the same).
"""
import os

import benchlib
from scenario_api import Check, Comparison, Side

NAME = "cold-bind"
DESCRIPTION = "8 images of 30 MB, cold: rootpin bind vs bootc-style, loopback and through a WAN proxy"
IMAGES = 8
SIZE = 30 * 1024 * 1024
DELAY_MS = 25
RATE_MBIT = 100


class World:
    """One variant: the references as it reaches the registry, a sysroot binding them, a
    rootpin and a bootc-style store of its own, and the command lines."""

    def __init__(self, fx, name, refs):
        benchlib.use_test_lib(fx.ctx)
        import ostree_fixture
        from rootpin import Rootpin
        ctx = fx.ctx
        self.fx, self.name, self.refs = fx, name, refs
        self.rp = Rootpin(ctx.rootpin_bin, ctx.tmp, env=fx.images.env(), name=f"rp-{name}")
        units = fx.units(refs)
        base = os.path.join(ctx.tmp, f"ostree-{name}")
        os.makedirs(base)
        repo, sysroot = ostree_fixture.make_ostree(base, "1.0", units, list(units))
        fx.servers.append(repo)
        self.rp.sysroot = sysroot.path
        self.store = os.path.join(ctx.tmp, f"bootc-{name}")
        self.reset_a = benchlib.sh(["rm", "-rf", self.store, self.store + ".run"])
        self.reset_b = benchlib.sh(["rm", "-rf", self.rp.store, self.rp.runroot,
                                    self.rp.state_dir])

    def env(self):
        return benchlib.env_prefix({**self.fx.images.env(),
                                    "ROOTPIN_CONFIG_DIR": self.rp.config_dir})

    def a_cmd(self, podman=None):
        return self.fx.bootc_style_cmd(self.store, self.refs, podman) + " >/dev/null"

    def b_cmd(self, podman=None):
        argv = self.rp.argv("bind")
        if podman:
            argv[1:1] = ["--podman", podman]
        return f"{self.env()} {benchlib.sh(argv)} >/dev/null"


def counted(world, log, proxy):
    """{a_/b_: podman runs, registry requests, bytes received} of one cold run per side."""
    figures = {}
    for side, reset, command in (("a", world.reset_a, world.a_cmd(log.path)),
                                 ("b", world.reset_b, world.b_cmd(log.path))):
        benchlib.run(["sh", "-c", reset])
        log.reset()
        before = world.fx.requests()
        if proxy:
            proxy.reset_counters()
        benchlib.run(["sh", "-c", command])
        figures[f"{side}_podman_runs"] = log.count()
        figures[f"{side}_podman_pulls"] = log.count(r"(^| )pull( |$)")
        figures[f"{side}_registry_requests"] = world.fx.requests() - before
        if proxy:
            figures[f"{side}_mbytes_received"] = round(proxy.stats()["bytes_down"] / 1e6, 1)
    figures["b_extra_registry_requests"] = (figures["b_registry_requests"]
                                            - figures["a_registry_requests"])
    return figures


def comparison(world, log, proxy, checks, rounds):
    return Comparison(
        variant=world.name,
        a=Side("bootc-style", world.a_cmd(), prepare=world.reset_a,
               display="bootc_style.sh STORE REF1..REF8 (store removed before each run)"),
        b=Side("rootpin bind", world.b_cmd(), prepare=world.reset_b,
               display="rootpin bind (store and state removed before each run)"),
        parameters={"images": IMAGES, "image_mbytes": SIZE / 2**20,
                    "proxy": None if proxy is None else
                    {"delay_ms_each_way": DELAY_MS, "rate_mbit": RATE_MBIT, "cap": proxy.cap}},
        figures=counted(world, log, proxy),
        checks=checks, rounds=rounds, runs=1, warmup=0)


def prepare(ctx):
    benchlib.need_rootpin(ctx, "bind")
    import proxy as wan
    fx = benchlib.Fixture(ctx)
    refs = fx.push(IMAGES, prefix="bench/cold", size=SIZE)
    proxies = {name: wan.Proxy(fx.registry.port, delay_ms=DELAY_MS, rate_mbit=RATE_MBIT,
                               cap=cap).start()
               for name, cap in (("wan", "connection"), ("wan-link", "link"))}
    fx.images.write_registries_conf([fx.registry, *proxies.values()])
    log = benchlib.PodmanLog(ctx.tmp)
    # A listing to plan, one pull per image, a listing for the digests the pulls got.
    counts = [Check("b_podman_runs", 2 + IMAGES, label="2 listings + one pull per image"),
              Check("b_extra_registry_requests", 0,
                    label="no more registry requests than bootc-style")]

    def cleanup():
        for proxy in proxies.values():
            proxy.stop()
        fx.close()

    try:
        comps = [comparison(World(fx, "loopback", refs), log, None, counts, rounds=4)]
        for name, proxy in proxies.items():
            world = World(fx, name, [r.replace(fx.registry.host, proxy.host) for r in refs])
            checks = counts + ([Check("ratio", 0.5, label=">= 2x faster (ratio <= 0.5)")]
                               if name == "wan" else [])
            comps.append(comparison(world, log, proxy, checks, rounds=3))
    except BaseException:
        cleanup()
        raise
    comps[-1].cleanup = cleanup
    return comps
