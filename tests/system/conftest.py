"""Fixtures of the system tests: the cached image, a private network namespace with the
registry and the ostree repo the guest reaches, and helpers to make images and commits.

Tests in a module run in order on one VM (each scenario starts where the previous one
left the host); after a failure the module's remaining tests are skipped. The console
log of every boot is kept in an artifacts directory, printed at the end when a test
failed and removed otherwise (ROOTPIN_VM_KEEP=1 keeps it always).
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import image  # noqa: E402
import vm as vmlib  # noqa: E402

ARTIFACTS_ROOT = os.environ.get("ROOTPIN_VM_ARTIFACTS", "/var/tmp/rootpin-system-artifacts")
GUEST_REGISTRY = "10.0.2.100:5000"


def pytest_configure(config):
    # SIGTERM (a CI timeout, kill) unwinds like Ctrl-C: pytest then runs the fixtures'
    # teardown, which stops qemu and the services and removes the work directories.
    def interrupted(*_):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, interrupted)


def pytest_runtest_makereport(item, call):
    if call.excinfo is not None and call.when == "call":
        item.module.__dict__["_failed"] = item.name


def pytest_runtest_setup(item):
    failed = item.module.__dict__.get("_failed")
    if failed:
        pytest.skip(f"{failed} failed: the scenarios after it need its state")


def timed(label):
    class T:
        def __enter__(self):
            self.t0 = time.monotonic()
            return self

        def __exit__(self, *exc):
            print(f"\n[time] {label}: {time.monotonic() - self.t0:.0f}s", flush=True)
    return T()


@pytest.fixture(scope="session")
def image_dir():
    with timed("image (cached or built)"):
        return image.ensure_image()


class Images:
    """Small images with a static busybox, made with `podman import` in a private store and
    pushed to the namespace's registry. push() returns the digest the registry has."""

    def __init__(self, workdir, ns, busybox):
        self.workdir, self.ns, self.busybox = workdir, ns, busybox
        self.podman = ["podman", "--root", os.path.join(workdir, "push", "root"),
                       "--runroot", os.path.join(workdir, "push", "run"),
                       "--storage-driver", "vfs"]
        self.n = 0

    def push(self, name, tag, content, size=0):
        self.n += 1
        tar = os.path.join(self.workdir, f"image-{self.n}.tar")
        with tempfile.TemporaryDirectory(dir=self.workdir) as payload:
            with open(os.path.join(payload, "hello"), "w") as f:
                f.write(content + "\n")
            if size:
                with open(os.path.join(payload, "blob"), "wb") as f:
                    f.write(os.urandom(size))
            with tarfile.open(tar, "w") as t:
                t.add(self.busybox, arcname="busybox")
                for entry in sorted(os.listdir(payload)):
                    t.add(os.path.join(payload, entry), arcname=entry)
        local = f"localhost/{name}:{tag}"
        subprocess.run(self.podman + ["import", "-q", tar, local], check=True,
                       capture_output=True, timeout=120)
        digestfile = os.path.join(self.workdir, f"digest-{self.n}")
        self.ns.run(self.podman + ["push", "-q", "--tls-verify=false",
                                   f"--digestfile={digestfile}", local,
                                   f"127.0.0.1:5000/{name}:{tag}"], capture_output=True)
        os.unlink(tar)
        with open(digestfile) as f:
            return f.read().strip()


class OstreeRepo:
    """The session's copy of the image's archive repo (hard links: objects are immutable),
    served on the guest's 10.0.2.101:8000; commit() makes the next version of the OS."""

    def __init__(self, workdir, cached_repo):
        self.path = os.path.join(workdir, "repo")
        subprocess.run(["cp", "-al", cached_repo, self.path], check=True)
        self.workdir = workdir

    def commit(self, version, files, links=None, parent=None):
        """files: {path in root: content}; links: {path: target}. Built on the tree of
        `parent` (a checksum; default the branch's head) and committed on the branch."""
        overlay = os.path.join(self.workdir, f"overlay-{version}")
        for path, content in files.items():
            p = os.path.join(overlay, path.lstrip("/"))
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(content)
        for path, target in (links or {}).items():
            p = os.path.join(overlay, path.lstrip("/"))
            os.makedirs(os.path.dirname(p), exist_ok=True)
            os.symlink(target, p)
        base = parent or self.rev()
        subprocess.run(["ostree", f"--repo={self.path}", "commit", f"--branch={image.BRANCH}",
                        f"--subject=version {version}", f"--parent={self.rev()}",
                        f"--add-metadata-string=version={version}", f"--tree=ref={base}",
                        f"--tree=dir={overlay}", "--owner-uid=0", "--owner-gid=0"],
                       check=True, capture_output=True, timeout=300)
        return self.rev()

    def rev(self):
        return subprocess.run(["ostree", f"--repo={self.path}", "rev-parse", image.BRANCH],
                              check=True, capture_output=True, text=True).stdout.strip()


class Host:
    """Everything one module's VM runs against."""

    def __init__(self, workdir, artifacts, image_top):
        self.workdir, self.artifacts = workdir, artifacts
        self.ns = self.registry = self.ostree_http = self.vm = None
        try:
            self._setup(image_top)
        except BaseException:
            self.close()
            raise

    def _setup(self, image_top):
        workdir, artifacts = self.workdir, self.artifacts
        with open(os.path.join(image_top, "info.json")) as f:
            self.info = json.load(f)
        self.ns = vmlib.Netns().__enter__()
        self.registry = vmlib.registry(self.ns, workdir)
        self.registry.start()
        busybox = os.path.join(image.base.base_dir(), "runtime", "usr/bin/busybox")
        self.images = Images(workdir, self.ns, busybox)
        self.repo = OstreeRepo(workdir, os.path.join(image_top, "repo"))
        self.ostree_http = vmlib.http_server(self.ns, self.repo.path,
                                             os.path.join(artifacts, "ostree-http.log"))
        self.ostree_http.start()
        self.disk = os.path.join(workdir, "disk.img")
        vmlib.copy_disk(os.path.join(image_top, "disk.img"), self.disk)
        self.vm = vmlib.VM(workdir, self.disk, self.ns, artifacts)

    def ledger_on_disk(self, name="ledger.json"):
        """The ledger as the disk holds it (the VM must be off)."""
        text = vmlib.debugfs(self.disk, f"cat /ostree/deploy/{image.OSNAME}/var/lib/rootpin/{name}")
        return json.loads(text) if text.strip() else None

    def entries(self):
        return vmlib.boot_entries(self.disk)

    def close(self):
        for part in (self.vm, self.ostree_http, self.registry, self.ns):
            if part is not None:
                part.close() if hasattr(part, "close") else part.stop()


@pytest.fixture(scope="module")
def host(image_dir, request):
    name = request.module.__name__.rsplit(".", 1)[-1]
    os.makedirs(ARTIFACTS_ROOT, exist_ok=True)
    artifacts = tempfile.mkdtemp(prefix=f"{name}-{time.strftime('%Y%m%d-%H%M%S')}-",
                                 dir=ARTIFACTS_ROOT)
    workdir = tempfile.mkdtemp(prefix="rootpin-vm-", dir="/var/tmp")
    h = None
    try:
        h = Host(workdir, artifacts, image_dir)
        yield h
    finally:
        if h:
            h.close()
        vmlib.remove(workdir)
        failed = request.module.__dict__.get("_failed")
        if failed or os.environ.get("ROOTPIN_VM_KEEP"):
            print(f"\n[artifacts] console logs of {name}: {artifacts}", flush=True)
        else:
            vmlib.remove(artifacts)


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()
