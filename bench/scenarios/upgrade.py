"""rootpin upgrade vs libostree's own pull + deploy (ostree admin upgrade), between two
commits that share 6 of their 8 bound images.

Both sides start each run from the same state: the old root deployed and bound, the
update's commit on the remote. The reset (undeploy the new root, let rootpin gc drop what
only it held) runs on both sides, so B - A is the time rootpin adds: scanning the new root,
one store listing, pulling the 2 new images, recording. The 6 shared images are deleted from
the registry after the first bind: a request for one would fail the run, so B completing
proves zero registry requests for them.
"""
import os
import shlex
import subprocess
import sys

from scenario_api import Comparison, Side

NAME = "upgrade"
DESCRIPTION = "rootpin upgrade (6 of 8 bound images shared) vs ostree admin upgrade"
SHARED = 6
CHANGED = 2


def _lib(ctx):
    sys.path.insert(0, os.path.join(ctx.source_dir, "tests/integration/lib"))
    import ostree_fixture  # noqa: E402
    from images import Images  # noqa: E402
    from registry import Registry  # noqa: E402
    return ostree_fixture, Registry, Images


def _unit(ostree_fixture, ref):
    return ostree_fixture.image_unit("", ref, "TLSVerify=false\n")


def prepare(ctx):
    if not os.access(ctx.rootpin_bin, os.X_OK):
        raise SystemExit(f"upgrade: {ctx.rootpin_bin} not built (cmake --build build)")
    ostree_fixture, Registry, Images = _lib(ctx)
    registry = Registry(ctx.tmp).__enter__()
    pusher = Images(ctx.tmp, registry)
    shared = [pusher.push(f"bench/shared{i}", "1") for i in range(SHARED)]
    old = [pusher.push(f"bench/old{i}", "1") for i in range(CHANGED)]
    new = [pusher.push(f"bench/new{i}", "1") for i in range(CHANGED)]
    units_of = lambda refs: {f"u{i}.image": _unit(ostree_fixture, r) for i, r in enumerate(refs)}
    repo, sysroot = ostree_fixture.make_ostree(ctx.tmp, "1.0", units_of(shared + old),
                                               list(units_of(shared + old)))
    rootpin = [ctx.rootpin_bin, "--sysroot", sysroot.path, "--state-dir",
               os.path.join(ctx.tmp, "state"), "--store", os.path.join(ctx.tmp, "store"),
               "--runroot", os.path.join(ctx.tmp, "run"), "--config-dir",
               os.path.join(ctx.tmp, "config")]
    subprocess.run(rootpin + ["bind"], check=True, capture_output=True)
    repo.commit("2.0", units_of(shared + new), list(units_of(shared + new)))
    for i in range(SHARED):
        subprocess.run(["rm", "-rf", os.path.join(registry.dir, "data/docker/registry/v2/repositories",
                                                  f"bench/shared{i}")], check=True)

    q = shlex.quote
    rp = " ".join(q(a) for a in rootpin)
    reset = os.path.join(ctx.tmp, "reset.sh")
    with open(reset, "w") as f:
        f.write("#!/bin/sh\n"
                f"if [ \"$(ls {q(sysroot.path)}/ostree/deploy/testos/deploy | grep -c 'origin$')\" -gt 1 ]; then\n"
                f"  ostree admin undeploy --sysroot={q(sysroot.path)} 0 >/dev/null\n"
                "fi\n"
                f"{rp} gc >/dev/null\n")
    os.chmod(reset, 0o755)

    def cleanup():
        repo.stop()
        registry.__exit__(None, None, None)

    return Comparison(
        a=Side("ostree admin upgrade",
               f"{q(reset)} && ostree admin upgrade --sysroot={q(sysroot.path)} --os=testos >/dev/null",
               display="reset && ostree admin upgrade --sysroot=S --os=testos"),
        b=Side("rootpin upgrade", f"{q(reset)} && {rp} upgrade >/dev/null",
               display="reset && rootpin --sysroot S ... upgrade"),
        parameters={"bound_images": SHARED + CHANGED, "shared": SHARED,
                    "registry_requests_for_shared": 0},
        cleanup=cleanup,
    )
