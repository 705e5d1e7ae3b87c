"""Runs rootpin with a test's own state dir, store, runroot and config dir (never /etc,
/var/lib/rootpin or /var/lib/containers).

    rp = Rootpin(rootpin_bin, tmp, env=images.env())
    r = rp.run("pin", ref)        # subprocess.CompletedProcess (returncode, stdout, stderr)
    rp.ledger()                   # parsed ledger.json (or None)
    rp.store_images()             # `podman images` of the store, as parsed JSON
    rp.snapshot()                 # ledger bytes and store IDs, to prove nothing changed
"""
import json
import os
import subprocess

import podman_leg


class Rootpin:
    def __init__(self, binary, workdir, env=None, name="rootpin"):
        self.binary = binary
        self.base = os.path.join(workdir, name)
        self.state_dir = os.path.join(self.base, "state")
        self.store = os.path.join(self.base, "storage")
        self.runroot = os.path.join(self.base, "run")
        self.config_dir = os.path.join(self.base, "etc")
        self.sysroot = os.path.join(self.base, "sysroot")
        os.makedirs(self.config_dir, exist_ok=True)
        self.env = {**os.environ, **(env or {}), "ROOTPIN_CONFIG_DIR": self.config_dir}
        self.env.pop("NOTIFY_SOCKET", None)
        self.env.pop("INVOCATION_ID", None)
        self.env.pop("JOURNAL_STREAM", None)

    def argv(self, *args):
        return [self.binary, "--state-dir", self.state_dir, "--store", self.store,
                "--runroot", self.runroot, "--sysroot", self.sysroot,
                "--config-dir", self.config_dir, *podman_leg.rootpin_args(), *args]

    def run(self, *args, timeout=300, check=False):
        r = subprocess.run(self.argv(*args), capture_output=True, text=True, env=self.env,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"rootpin {' '.join(args)}: rc={r.returncode}\n{r.stderr}")
        return r

    def popen(self, *args):
        return subprocess.Popen(self.argv(*args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env)

    @property
    def ledger_path(self):
        return os.path.join(self.state_dir, "ledger.json")

    def ledger(self):
        try:
            with open(self.ledger_path) as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def snapshot(self):
        """(ledger.json's bytes or None, the store's image IDs): equal before and after a
        command that must change nothing."""
        ledger = None
        if os.path.exists(self.ledger_path):
            with open(self.ledger_path, "rb") as f:
                ledger = f.read()
        return ledger, self.store_ids()

    def podman(self, *args):
        return [*podman_leg.store_argv(self.store, self.runroot), *args]

    def store_images(self):
        if not os.path.exists(self.store):
            return []
        out = subprocess.run(self.podman("images", "--all", "--format", "json"), check=True,
                             capture_output=True, text=True, env=self.env).stdout
        return json.loads(out or "[]")

    def store_ids(self):
        return sorted(i["Id"] for i in self.store_images())
