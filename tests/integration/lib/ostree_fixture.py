"""Real ostree content for the integration tests.

An archive repo whose commits hold Quadlet units and bound-images.d links, served over
HTTP on 127.0.0.1 (python3 -m http.server on a free port), and a non-booted sysroot made
with `ostree admin init-fs` / `os-init` / `deploy` that pulls from it. Everything lives
under the test's own temp dir; the `tmp` fixture's cleanup clears the immutable bit that
ostree sets on deployment directories.
"""
import os
import re
import subprocess
import sys

OSNAME = "testos"
REF = "testos/x86_64/stable"
REMOTE = "origin"
UNIT_DIR = "usr/share/containers/systemd"
BOUND_DIR = "usr/lib/rootpin/bound-images.d"


def run(argv, **kw):
    """Runs argv, raising with its stderr when it fails."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout


def image_unit(name, image, extra=""):
    """Text of a .image Quadlet unit that pulls `image`."""
    return f"[Image]\nImage={image}\nPolicy=missing\n{extra}"


def container_unit(name, image, extra=""):
    """Text of a .container Quadlet unit running `image` from rootpin's store."""
    return (f"[Container]\nImage={image}\n"
            "GlobalArgs=--storage-opt=additionalimagestore=/var/lib/rootpin/storage\n"
            f"{extra}[Install]\nWantedBy=multi-user.target\n")


class Repo:
    """An archive-mode repo whose commits are trees of Quadlet units, served on 127.0.0.1."""

    def __init__(self, base):
        self.base = base
        self.path = os.path.join(base, "repo")
        self.server = None
        self.port = None
        self.commits = 0
        run(["ostree", f"--repo={self.path}", "init", "--mode=archive"])

    def commit(self, version, units=None, bound=None, files=None):
        """Commits a tree to REF. units: {filename: text} under UNIT_DIR; bound: unit file
        names to link from BOUND_DIR (absolute links, resolved inside the root); files:
        {relpath: text} anywhere. Returns the commit checksum."""
        self.commits += 1
        tree = os.path.join(self.base, f"tree-{self.commits}")
        content = {
            # ostree admin deploy needs a kernel and an os-release with PRETTY_NAME.
            "usr/lib/modules/6.1.0/vmlinuz": "kernel\n",
            "usr/lib/modules/6.1.0/initramfs.img": "initramfs\n",
            "usr/lib/os-release": f'ID={OSNAME}\nPRETTY_NAME="Test OS {version}"\n',
            "usr/etc/os-release": f'ID={OSNAME}\nPRETTY_NAME="Test OS {version}"\n',
            "usr/etc/hostname": "rootpin-test\n",
        }
        for name, text in (units or {}).items():
            content[f"{UNIT_DIR}/{name}"] = text
        content.update(files or {})
        for rel, text in content.items():
            path = os.path.join(tree, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        os.makedirs(os.path.join(tree, BOUND_DIR), exist_ok=True)
        for name in bound or []:
            os.symlink(f"/{UNIT_DIR}/{name}", os.path.join(tree, BOUND_DIR, name))
        out = run(["ostree", f"--repo={self.path}", "commit", "-b", REF,
                   f"--add-metadata-string=version={version}", f"--tree=dir={tree}"])
        return out.strip()

    def rev(self):
        return run(["ostree", f"--repo={self.path}", "rev-parse", REF]).strip()

    def serve(self):
        """Starts `python3 -m http.server` on 127.0.0.1 at a free port; returns the URL."""
        log = open(os.path.join(self.base, "http.log"), "w+")
        self.server = subprocess.Popen(
            [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0",
             "--directory", self.path],
            stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.server.stdout.readline()
        m = re.search(r"port (\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"http.server did not start: {line!r}")
        self.port = int(m.group(1))
        return self.url

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=10)
            self.server = None


class Sysroot:
    """A non-booted ostree sysroot with REMOTE pointing at a Repo's URL."""

    def __init__(self, base, url):
        self.path = os.path.join(base, "sysroot")
        os.makedirs(self.path)
        run(["ostree", "admin", "init-fs", self.path])
        run(["ostree", "admin", "os-init", f"--sysroot={self.path}", OSNAME])
        run(["ostree", f"--repo={self.repo}", "remote", "add", "--no-gpg-verify", REMOTE, url])

    @property
    def repo(self):
        return os.path.join(self.path, "ostree/repo")

    def deploy(self):
        """Pulls REF and deploys it as the new default, like an installer would."""
        run(["ostree", f"--repo={self.repo}", "pull", REMOTE, REF])
        run(["ostree", "admin", "deploy", f"--sysroot={self.path}", f"--os={OSNAME}",
             f"{REMOTE}:{REF}"])

    def undeploy(self, index):
        run(["ostree", "admin", "undeploy", f"--sysroot={self.path}", str(index)])

    def pin(self, index, unpin=False):
        argv = ["ostree", "admin", "pin", f"--sysroot={self.path}", str(index)]
        if unpin:
            argv.insert(3, "--unpin")
        run(argv)

    def deployments(self):
        """[(root_id, checksum, serial)] in boot order, read from the BLS entries' order
        as `ostree admin status` prints it."""
        out = run(["ostree", "admin", "status", f"--sysroot={self.path}"])
        result = []
        for m in re.finditer(r"^\s*\*?\s*(\S+) ([0-9a-f]{64})\.(\d+)", out, re.M):
            osname, csum, serial = m.group(1), m.group(2), int(m.group(3))
            result.append((f"{osname}/{csum}.{serial}", csum, serial))
        return result

    def root_ids(self):
        return [d[0] for d in self.deployments()]


def make_ostree(base, version="1.0", units=None, bound=None, files=None):
    """A served repo with one commit and a sysroot deployed from it: (repo, sysroot)."""
    repo = Repo(base)
    repo.commit(version, units, bound, files)
    repo.serve()
    sysroot = Sysroot(base, repo.url)
    sysroot.deploy()
    return repo, sysroot
