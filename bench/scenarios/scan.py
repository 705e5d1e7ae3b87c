"""quadlet-scan over a root with 10,000 bound units against reading the same files with cat."""
import os

from scenario_api import quadlet_scan_vs_cat

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
    root = os.path.join(ctx.tmp, "root")
    share = build_root(root)
    return quadlet_scan_vs_cat(ctx, root, share, target_ratio=1.0,
                               parameters={"units": UNITS, "bound_links": UNITS})
