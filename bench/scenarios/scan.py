"""quadlet-scan over a root with 10,000 bound units against reading the same files with cat."""
import os
import shlex

from scenario_api import Comparison, Side

NAME = "scan"
DESCRIPTION = "quadlet-scan --json over 10,000 bound units vs cat of the same unit files"
UNITS = 10_000
DIGEST = "sha256:" + "0123456789abcdef" * 4

UNIT = """[Unit]
Description=Benchmark service {n}
After=network-online.target

[Container]
Image=registry.example:5000/acme/service-{n}@{digest}
GlobalArgs=--storage-opt=additionalimagestore=/var/lib/rootpin/storage
PublishPort={port}:8080
Environment=SERVICE_ID={n}
Retry=3

[Install]
WantedBy=multi-user.target
"""


def build_root(root):
    share = os.path.join(root, "usr/share/containers/systemd")
    bound = os.path.join(root, "usr/lib/rootpin/bound-images.d")
    os.makedirs(share)
    os.makedirs(bound)
    os.makedirs(os.path.join(root, "etc"))
    for n in range(UNITS):
        name = f"service-{n:05d}.container"
        with open(os.path.join(share, name), "w") as f:
            f.write(UNIT.format(n=n, digest=DIGEST, port=10000 + n % 50000))
        os.symlink(f"/usr/share/containers/systemd/{name}", os.path.join(bound, name))
    return share


def prepare(ctx):
    if not os.access(ctx.quadlet_scan_bin, os.X_OK):
        raise SystemExit(f"scan: {ctx.quadlet_scan_bin} not built (cmake --build build)")
    root = os.path.join(ctx.tmp, "root")
    share = build_root(root)
    q_root, q_share = shlex.quote(root), shlex.quote(share)
    return Comparison(
        a=Side("cat floor", f"find {q_share} -type f -print0 | xargs -0 cat >/dev/null",
               display="find ROOT/usr/share/containers/systemd -type f -print0 | "
                       "xargs -0 cat >/dev/null"),
        b=Side("quadlet-scan --json",
               f"{shlex.quote(ctx.quadlet_scan_bin)} --root {q_root} --json >/dev/null",
               display="quadlet-scan --root ROOT --json >/dev/null"),
        target_ratio=1.5,
        parameters={"units": UNITS, "bound_links": UNITS},
    )
