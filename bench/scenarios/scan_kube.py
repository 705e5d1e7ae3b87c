"""quadlet-scan over a root with 1,000 bound .kube units (5 pods each) against cat."""
import os

from scenario_api import quadlet_scan_vs_cat

NAME = "scan-kube"
DESCRIPTION = ("quadlet-scan --json over 1,000 bound .kube units of 5 pods each vs cat of "
               "the same unit and YAML files")
UNITS = 1_000
PODS = 5
DIGEST = "sha256:" + "0123456789abcdef" * 4

UNIT = """[Unit]
Description=Benchmark pod group {n}

[Kube]
Yaml=pods/group-{n:04d}.yaml
PublishPort={port}:8080

[Install]
WantedBy=multi-user.target
"""

POD = """---
apiVersion: v1
kind: Pod
metadata:
  name: group-{n}-pod-{p}
  labels: {{app: group-{n}, tier: pod-{p}}}
spec:
  initContainers:
  - name: init
    image: registry.example:5000/acme/init-{p}@{digest}
    command: ["/bin/sh", "-c", "true"]
  containers:
  - name: app
    image: registry.example:5000/acme/group-{n}-app-{p}@{digest}
    env:
    - {{name: GROUP, value: "{n}"}}
    ports:
    - {{containerPort: 8080}}
    resources: {{limits: {{memory: 64Mi}}}}
"""


def build_root(root):
    share = os.path.join(root, "usr/share/containers/systemd")
    pods = os.path.join(share, "pods")
    bound = os.path.join(root, "usr/lib/rootpin/bound-images.d")
    for d in (pods, bound, os.path.join(root, "etc")):
        os.makedirs(d)
    for n in range(UNITS):
        name = f"group-{n:04d}.kube"
        with open(os.path.join(share, name), "w") as f:
            f.write(UNIT.format(n=n, port=20000 + n))
        with open(os.path.join(pods, f"group-{n:04d}.yaml"), "w") as f:
            f.write("".join(POD.format(n=n, p=p, digest=DIGEST) for p in range(PODS)))
        os.symlink(f"/usr/share/containers/systemd/{name}", os.path.join(bound, name))
    return share


def prepare(ctx):
    root = os.path.join(ctx.tmp, "root")
    share = build_root(root)
    # Reported, not a promise of the issue's: parsing YAML is real work that cat skips.
    return quadlet_scan_vs_cat(ctx, root, share, target_ratio=None,
                               parameters={"units": UNITS, "pods_per_unit": PODS,
                                           "images": UNITS * PODS * 2, "bound_links": UNITS})
