"""A real docker-registry (distribution 2.8) on 127.0.0.1 at a free port, and small images
made with `podman import` in a private store and pushed to it.

    with LocalRegistry(tmp) as reg:
        ref = reg.push_image(tmp, "acme/web", "1")   # "127.0.0.1:PORT/acme/web:1"
"""
import os
import socket
import subprocess
import tarfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalRegistry:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "registry")
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.proc = None

    def __enter__(self):
        config = os.path.join(self.dir, "config.yml")
        with open(config, "w") as f:
            f.write("version: 0.1\n"
                    "log:\n  level: warn\n"
                    f"storage:\n  filesystem:\n    rootdirectory: {self.dir}/data\n"
                    f"http:\n  addr: {self.host}\n")
        log = open(os.path.join(self.dir, "registry.log"), "w")
        self.proc = subprocess.Popen(["docker-registry", "serve", config], stdout=log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1).close()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    with open(os.path.join(self.dir, "registry.log")) as f:
                        raise RuntimeError(f"docker-registry did not start: {f.read()}")
                time.sleep(0.1)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def push_image(self, workdir, name, tag, content=None):
        """Builds a one-file image in a private store under workdir and pushes it.

        Returns the reference in this registry. `content` makes the image (and so its
        digest) distinct; by default it is derived from name and tag.
        """
        base = os.path.join(workdir, "push-store")
        podman = ["podman", "--root", os.path.join(base, "root"), "--runroot",
                  os.path.join(base, "run")]
        payload = os.path.join(workdir, f"payload-{name.replace('/', '_')}-{tag}")
        os.makedirs(payload, exist_ok=True)
        with open(os.path.join(payload, "hello"), "w") as f:
            f.write(content if content is not None else f"{name}:{tag}\n")
        tar = payload + ".tar"
        with tarfile.open(tar, "w") as t:
            t.add(os.path.join(payload, "hello"), arcname="hello")
        local = f"localhost/{name}:{tag}"
        ref = f"{self.host}/{name}:{tag}"
        subprocess.run(podman + ["import", "-q", tar, local], check=True, capture_output=True)
        subprocess.run(podman + ["push", "-q", "--tls-verify=false", local, ref], check=True,
                       capture_output=True)
        return ref
