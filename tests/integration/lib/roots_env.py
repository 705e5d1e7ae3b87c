"""A rootpin run against a temp sysroot, state dir, store and registry (test_roots_*)."""
import json
import os
import shutil
import subprocess

import ostree_fixture
import podman_leg
from images import Images
from registry import Registry


def image_unit(ref):
    # The test registry speaks plain HTTP on 127.0.0.1.
    return ostree_fixture.image_unit("", ref, "TLSVerify=false\n")


class Env:
    def __init__(self, rootpin_bin, tmp):
        self.bin = rootpin_bin
        self.tmp = tmp
        self.store = os.path.join(tmp, "store")
        self.state = os.path.join(tmp, "state")
        self.registry = Registry(tmp).__enter__()
        self.pusher = Images(tmp, self.registry)
        self.repo = None
        self.sysroot = None

    def close(self):
        if self.repo:
            self.repo.stop()
        self.registry.__exit__(None, None, None)

    def push(self, name, tag, content=None):
        return self.pusher.push(name, tag, content)

    def requests_for(self, name):
        """Requests the registry logged for repository `name`."""
        return self.registry.requests(f"/v2/{name}/")

    def forget_at_registry(self, name):
        """Deletes a repository from the registry's storage: any later pull of it fails,
        so an image that is not pulled again is proven to cost no registry request."""
        shutil.rmtree(os.path.join(self.registry.dir, "data/docker/registry/v2/repositories", name))

    def boot_os(self, units, version="1.0", files=None):
        """The first commit, deployed as the sysroot's only deployment. files: {relpath:
        text} anywhere in the tree (units in /usr/etc, rootpin.conf)."""
        self.repo, self.sysroot = ostree_fixture.make_ostree(
            self.tmp, version, {n: u for n, u in units.items()}, list(units), files)
        return self.sysroot

    def commit(self, units, version, files=None):
        return self.repo.commit(version, units, list(units), files)

    def rootpin(self, *args, check=None, podman=None):
        return self.rootpin_env({}, *args, check=check, podman=podman)

    def rootpin_env(self, extra_env, *args, check=None, podman=None):
        """rootpin with extra environment (DBUS_SYSTEM_BUS_ADDRESS, ...); podman: another
        podman (podman_leg.wrapper) instead of this leg's."""
        argv = [self.bin, "--sysroot", self.sysroot.path, "--state-dir", self.state,
                "--store", self.store, "--runroot", os.path.join(self.tmp, "run"),
                "--config-dir", os.path.join(self.tmp, "config"),
                *(["--podman", podman] if podman else podman_leg.rootpin_args()), *args]
        env = dict(os.environ, ROOTPIN_LOG="stderr", **extra_env)
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, timeout=300)
        if check is not None:
            assert proc.returncode == check, f"{argv} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc

    def podman(self, *args):
        return subprocess.run(podman_leg.store_argv(self.store, os.path.join(self.tmp, "run"))
                              + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)

    def images(self):
        """{image id: [names]} of rootpin's store."""
        out = self.podman("images", "--format", "json").stdout
        return {i["Id"]: i.get("Names") or [] for i in json.loads(out or "[]")}

    def names(self):
        return sorted(n for names in self.images().values() for n in names)

    def ledger(self):
        path = os.path.join(self.state, "ledger.json")
        if not os.path.exists(path):
            return {"roots": {}, "pins": []}
        with open(path) as f:
            return json.load(f)


# Faults late in a writing command, after its pulls (and, in pin mode system, after some of
# its placeholders): the second `podman create` fails, or the ledger's save does (a directory
# where it keeps ledger.json.prev, made at the first pull). late_fault() returns the podman
# to pass as rootpin(..., podman=); clear_late_fault() takes the fault away again.
LATE_FAULTS = ("placeholder create", "ledger save")


def late_fault(tmp, state_dir, fault):
    if fault == "placeholder create":
        count = os.path.join(tmp, "creates")
        script = ('case " $* " in *" create "*)\n'
                  f'  n=$(cat {count} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > {count}\n'
                  '  if [ "$n" -ge 2 ]; then\n'
                  '    echo "Error: injected fault: creating the container: no space left" >&2\n'
                  '    exit 125\n'
                  '  fi;;\n'
                  'esac')
    else:
        prev = os.path.join(state_dir, "ledger.json.prev")
        script = ('case " $* " in *" pull "*)\n'
                  f'  [ -d {prev} ] || {{ rm -f {prev}; mkdir -p {prev}; }};;\n'
                  'esac')
    return podman_leg.wrapper(os.path.join(tmp, "podman-late-fault"), script)


def clear_late_fault(tmp, state_dir):
    prev = os.path.join(state_dir, "ledger.json.prev")
    if os.path.isdir(prev):
        os.rmdir(prev)
    if os.path.exists(os.path.join(tmp, "creates")):
        os.remove(os.path.join(tmp, "creates"))
