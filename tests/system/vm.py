"""The system tests' harness: a network namespace, the services the guest may reach, and
a qemu VM booted the way a bootloader would boot it.

    with Netns() as ns:                      # private netns: loopback only
        ns.popen([...]); ns.run([...])       # commands inside it
    vm = VM(workdir, disk, ns, artifacts)
    vm.boot()                                # kernel/initrd/options from the BLS entry
    vm.run("systemctl is-active web")        # over the virtio-serial agent
    vm.shutdown(); vm.boot()                 # the entries are read again after each shutdown
    vm.power_cut()                           # SIGKILL qemu: the guest's page cache is lost

Every wait has a timeout; a guest that does not answer raises GuestError with the tail
of its console log (each boot's whole log is a file in the artifacts directory).
"""
import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GUEST_REGISTRY = ("10.0.2.100", 5000)
GUEST_OSTREE = ("10.0.2.101", 8000)
BOOT_TIMEOUT = int(os.environ.get("ROOTPIN_VM_BOOT_TIMEOUT", "900"))


class GuestError(AssertionError):
    pass


# Whatever the tests start gets SIGKILL when the test process dies, however it dies (a CI
# timeout's SIGKILL runs no cleanup): no qemu, registry or namespace outlives the suite.
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL"]


class Netns:
    """A network namespace with only loopback, held by a sleeping process; it goes away
    with that process, also when the test process dies."""

    def __init__(self):
        self.holder = None

    def __enter__(self):
        self.holder = subprocess.Popen(
            [*DIE_WITH_PARENT, "unshare", "--net", "sh", "-c", "ip link set lo up && echo up && exec sleep infinity"],
            stdout=subprocess.PIPE, text=True)
        line = self.holder.stdout.readline().strip()
        if line != "up":
            self.close()
            raise RuntimeError("could not create the network namespace")
        return self

    def prefix(self):
        return [*DIE_WITH_PARENT, "nsenter", f"--net=/proc/{self.holder.pid}/ns/net"]

    def popen(self, argv, **kw):
        return subprocess.Popen(self.prefix() + list(argv), **kw)

    def run(self, argv, **kw):
        kw.setdefault("check", True)
        kw.setdefault("timeout", 300)
        return subprocess.run(self.prefix() + list(argv), **kw)

    def wait_http(self, url, timeout=30):
        code = ("import sys,urllib.request,urllib.error\n"
                "try: urllib.request.urlopen(sys.argv[1], timeout=2)\n"
                "except urllib.error.HTTPError: pass\n")
        deadline = time.monotonic() + timeout
        while self.run([sys.executable, "-c", code, url], check=False,
                       stderr=subprocess.DEVNULL).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up in the namespace")
            time.sleep(0.2)

    def close(self):
        if self.holder and self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait(timeout=10)

    def __exit__(self, *exc):
        self.close()


class Service:
    """A process in the namespace (registry, HTTP server), stopped with SIGTERM then SIGKILL."""

    def __init__(self, ns, argv, log_path, url):
        self.ns, self.argv, self.log_path, self.url = ns, argv, log_path, url
        self.proc = None

    def start(self):
        if self.proc and self.proc.poll() is None:
            return  # running already (a second one would leak: stop() knows only the last)
        with open(self.log_path, "a") as log:
            self.proc = self.ns.popen(self.argv, stdout=log, stderr=subprocess.STDOUT)
        self.ns.wait_http(self.url)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def registry(ns, workdir):
    """docker-registry on the namespace's 127.0.0.1:5000 (the guest's 10.0.2.100:5000)."""
    d = os.path.join(workdir, "registry")
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    config = os.path.join(d, "config.yml")
    with open(config, "w") as f:
        f.write("version: 0.1\nlog:\n  level: info\n"
                f"storage:\n  filesystem:\n    rootdirectory: {d}/data\n"
                "  delete:\n    enabled: true\n"
                "http:\n  addr: 127.0.0.1:5000\n")
    return Service(ns, ["docker-registry", "serve", config], os.path.join(d, "registry.log"),
                   "http://127.0.0.1:5000/v2/")


def http_server(ns, directory, log_path):
    """A static HTTP server on the namespace's 127.0.0.1:8000 (the guest's 10.0.2.101:8000)."""
    return Service(ns, [sys.executable, "-m", "http.server", "8000", "--bind", "127.0.0.1",
                        "--directory", directory], log_path, "http://127.0.0.1:8000/")


def debugfs(disk, request):
    out = subprocess.run(["debugfs", "-R", request, disk], capture_output=True, text=True,
                         timeout=60)
    return out.stdout


def boot_entries(disk):
    """The BLS entries of the disk's /boot/loader (read-only, through debugfs, as a
    bootloader reads them: no journal replay), each a dict, default (highest version) first."""
    listing = debugfs(disk, "ls -p /boot/loader/entries")
    entries = []
    for line in listing.splitlines():
        parts = line.strip("/").split("/")
        if len(parts) >= 5 and parts[4].endswith(".conf"):
            text = debugfs(disk, f"cat /boot/loader/entries/{parts[4]}")
            entry = {"file": parts[4]}
            for l in text.splitlines():
                if " " in l:
                    k, v = l.split(" ", 1)
                    entry[k] = v.strip()
            entries.append(entry)
    entries.sort(key=lambda e: int(e.get("version", "0")), reverse=True)
    return entries


def _readlink(disk, path):
    stat = debugfs(disk, f"stat {path}")
    if "Type: symlink" not in stat:
        return None
    m = re.search(r'Fast link dest: "(.*)"', stat)
    return m.group(1) if m else debugfs(disk, f"cat {path}")  # a long target has a block


def entry_deployment(disk, entry):
    """The deployment (`checksum.serial`) a BLS entry boots: its ostree= path resolved on
    the disk, symlink by symlink, as ostree-prepare-root will resolve it."""
    target = re.search(r"\bostree=(\S+)", entry["options"]).group(1)
    parts = [p for p in target.split("/") if p]
    resolved = []
    for _ in range(40):
        if not parts:
            return resolved[-1]
        resolved.append(parts.pop(0))
        link = _readlink(disk, "/" + "/".join(resolved))
        if link is not None:
            resolved.pop()
            if link.startswith("/"):
                resolved = []
            parts = [p for p in link.split("/") if p] + parts
            while ".." in parts:
                i = parts.index("..")
                if i == 0:
                    resolved.pop()
                    parts.pop(0)
                else:
                    del parts[i - 1:i + 1]
    raise GuestError(f"cannot resolve {target}")


def boot_options(entry):
    """The entry's kernel options, plus what a bootloader for this virtual platform adds:
    no_timer_check, because under TCG on a loaded host the kernel's early check of the
    IO-APIC timer can fail and panic the boot ("IO-APIC + timer doesn't work!")."""
    return entry["options"] + " no_timer_check"


class VM:
    def __init__(self, workdir, disk, ns, artifacts, memory="2048"):
        self.workdir, self.disk, self.ns, self.artifacts = workdir, disk, ns, artifacts
        self.memory = memory
        self.proc = None
        self.sock = None
        self.buf = b""
        self.seq = 0
        self.boots = []          # (console log path, BLS entry) per boot
        os.makedirs(artifacts, exist_ok=True)

    # --- booting -----------------------------------------------------------------------
    def boot(self, timeout=BOOT_TIMEOUT):
        """Boots the default BLS entry and waits until the agent answers and the boot's
        job queue is empty. Returns the entry booted."""
        assert self.proc is None, "the VM is running"
        entries = boot_entries(self.disk)
        if not entries:
            raise GuestError(f"no BLS entry on {self.disk}")
        entry = entries[0]
        kernel = os.path.join(self.workdir, "vmlinuz")
        initrd = os.path.join(self.workdir, "initrd")
        for key, dest in (("linux", kernel), ("initrd", initrd)):
            for prefix in ("/boot", ""):
                if os.path.exists(dest):
                    os.unlink(dest)
                debugfs(self.disk, f"dump {prefix}{entry[key]} {dest}")
                if os.path.exists(dest) and os.path.getsize(dest) > 0:
                    break
            else:
                raise GuestError(f"{entry[key]} of {entry['file']} not on the disk")
        n = len(self.boots) + 1
        console = os.path.join(self.artifacts, f"boot-{n}-console.log")
        self.boots.append((console, entry))
        sockpath = os.path.join(self.workdir, "agent.sock")
        if os.path.exists(sockpath):
            os.unlink(sockpath)
        fwd = lambda guest, port: (f"guestfwd=tcp:{guest[0]}:{guest[1]}-cmd:"
                                   f"{sys.executable} {HERE}/relay.py {port}")
        argv = ["qemu-system-x86_64", "-nodefaults", "-display", "none", "-no-reboot",
                "-machine", "q35", "-cpu", "max", "-smp", "2", "-m", self.memory,
                "-kernel", kernel, "-initrd", initrd, "-append", boot_options(entry),
                "-drive", f"file={self.disk},format=raw,if=virtio,cache=unsafe",
                "-netdev", ",".join(["user,id=n0,restrict=on", fwd(GUEST_REGISTRY, 5000),
                                     fwd(GUEST_OSTREE, 8000)]),
                "-device", "virtio-net-pci,netdev=n0",
                "-device", "virtio-rng-pci",
                "-chardev", f"file,id=con,path={console}", "-serial", "chardev:con",
                "-chardev", f"socket,id=agent,path={sockpath},server=on,wait=off",
                "-device", "virtio-serial-pci",
                "-device", "virtserialport,chardev=agent,name=rootpin.agent"]
        qlog = open(os.path.join(self.artifacts, f"boot-{n}-qemu.log"), "w")
        # Normal priority: under TCG a starved guest misses its own timeouts (builds and
        # other tests on the machine run niced).
        self.proc = self.ns.popen(argv, stdout=qlog,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        qlog.close()
        deadline = time.monotonic() + timeout
        while not os.path.exists(sockpath):
            self._check_alive()
            if time.monotonic() > deadline:
                self.fail("qemu did not create the agent socket")
            time.sleep(0.1)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sockpath)
        self.buf = b""
        # The agent answers once systemd started it; ping until it does.
        while True:
            try:
                self.run("true", timeout=15, check=True)
                break
            except GuestError:
                self._check_alive()  # a guest that died (a panic) fails with its console
                if time.monotonic() > deadline:
                    raise
        left = max(10, int(deadline - time.monotonic()))
        self.run(f"timeout {left} systemctl is-system-running --wait || true", timeout=left + 10)
        return entry

    def _check_alive(self):
        if self.proc is None or self.proc.poll() is not None:
            self.fail("qemu exited")

    def console(self, n=None):
        path = self.boots[-1 if n is None else n - 1][0]
        with open(path, errors="replace") as f:
            return f.read()

    def fail(self, what):
        tail = ""
        if self.boots:
            tail = "\n".join(self.console().splitlines()[-60:])
            tail = f"\n--- last lines of {self.boots[-1][0]} ---\n{tail}"
        raise GuestError(f"{what}{tail}")

    # --- the agent ---------------------------------------------------------------------
    def send(self, script, timeout=300):
        """Sends a command without waiting for its answer; returns its id."""
        self.seq += 1
        line = f"{self.seq}:{int(timeout)} {base64.b64encode(script.encode()).decode()}\n"
        self.sock.sendall(line.encode())
        return self.seq

    def wait(self, ident, timeout):
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                parts = line.decode(errors="replace").split(" ", 2)
                if len(parts) >= 2 and parts[0] == str(ident):
                    out = base64.b64decode(parts[2]).decode(errors="replace") if len(parts) > 2 else ""
                    return int(parts[1]), out
            left = deadline - time.monotonic()
            if left <= 0:
                raise GuestError(f"no answer from the guest within {timeout:.0f}s")
            self.sock.settimeout(min(left, 1.0))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                if self.proc.poll() is not None:
                    raise GuestError("qemu exited while waiting for an answer")
                continue
            except OSError as e:  # qemu went away with the channel open
                raise GuestError(f"the agent's channel failed: {e}")
            if not data:
                raise GuestError("the agent's channel closed")
            self.buf += data

    def run(self, script, timeout=300, check=True):
        """Runs a bash script in the guest; returns its output (check) or (status, output)."""
        self._check_alive()
        ident = self.send(script, timeout)
        try:
            rc, out = self.wait(ident, timeout + 15)
        except GuestError as e:
            if check and "within" in str(e):
                self.fail(f"guest command timed out after {timeout}s: {script!r}")
            raise
        if check is True and rc != 0:
            raise GuestError(f"guest command failed ({rc}): {script!r}\n{out}")
        return out if check else (rc, out)

    # --- stopping ----------------------------------------------------------------------
    def _wait_exit(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.power_cut()
            self.fail(f"the guest did not power off within {timeout}s")
        self._closed()

    def shutdown(self, command="systemctl poweroff", timeout=240):
        """A clean shutdown (systemd runs ostree-finalize-staged); -no-reboot makes a
        reboot exit qemu too, so the next boot() reads the entries ostree left."""
        self.send(command)
        self._wait_exit(timeout)

    def power_cut(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        self._closed()

    def _closed(self):
        if self.sock:
            self.sock.close()
        self.sock = None
        self.proc = None

    def close(self):
        self.power_cut()


def copy_disk(src, dst):
    subprocess.run(["cp", "--sparse=always", src, dst], check=True)


def remove(path):
    if os.path.lexists(path):
        subprocess.run(["chattr", "-R", "-i", path], check=False, stderr=subprocess.DEVNULL)
        shutil.rmtree(path, ignore_errors=True)


def ansi_free(text):
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
