"""Small distinct images made with `podman import` in a PRIVATE store and pushed to a test
registry, plus the registries.conf that marks the registry insecure.

    images = Images(tmp, registry)
    ref = images.push("acme/web", "1")          # "127.0.0.1:PORT/acme/web:1"
    env = images.env()                         # {"CONTAINERS_REGISTRIES_CONF": ...}
"""
import os
import subprocess
import tarfile

import podman_leg


class Images:
    def __init__(self, workdir, registry):
        self.workdir = workdir
        self.registry = registry
        base = os.path.join(workdir, "push-store")
        self.podman = podman_leg.store_argv(os.path.join(base, "root"),
                                            os.path.join(base, "run"))
        self.registries_conf = os.path.join(workdir, "registries.conf")
        self.write_registries_conf([registry])

    def write_registries_conf(self, registries):
        with open(self.registries_conf, "w") as f:
            f.write('unqualified-search-registries = []\nshort-name-mode = "permissive"\n')
            for r in registries:
                f.write(f'[[registry]]\nlocation = "{r.host}"\ninsecure = true\n')

    def env(self):
        return {"CONTAINERS_REGISTRIES_CONF": self.registries_conf}

    def push(self, name, tag, content=None, size=0, authfile=None):
        """Builds a one-layer image whose content is unique to name:tag (or `content`), with
        `size` extra random bytes, and pushes it. Returns the registry reference."""
        payload = os.path.join(self.workdir, "payload", f"{name.replace('/', '_')}-{tag}")
        os.makedirs(payload, exist_ok=True)
        with open(os.path.join(payload, "hello"), "w") as f:
            f.write(content if content is not None else f"{name}:{tag}\n")
        if size:
            with open(os.path.join(payload, "blob"), "wb") as f:
                f.write(os.urandom(size))
        tar = payload + ".tar"
        with tarfile.open(tar, "w") as t:
            for entry in sorted(os.listdir(payload)):
                t.add(os.path.join(payload, entry), arcname=entry)
        local = f"localhost/{name}:{tag}"
        ref = f"{self.registry.host}/{name}:{tag}"
        self.run(["import", "-q", tar, local])
        push = ["push", "-q", "--tls-verify=false"]
        if authfile:
            push.append(f"--authfile={authfile}")
        self.run(push + [local, ref])
        return ref

    def run(self, args):
        result = subprocess.run(self.podman + args, capture_output=True, text=True,
                                env={**os.environ, **self.env()})
        if result.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args)} failed: {result.stderr}")
        return result.stdout


def write_authfile(path, registry, user, password):
    """A containers-auth.json for registry with user:password."""
    import base64
    import json
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    with open(path, "w") as f:
        json.dump({"auths": {registry.host: {"auth": token}}}, f)
    return path
