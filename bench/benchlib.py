"""What the scenarios share: the integration tests' own helpers (tests/integration/lib:
registry, images, rootpin, ostree fixtures), a podman that logs each run, syscall counts
with strace, and shell quoting. Fixtures never touch /var/lib/containers, /etc or /.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
BOOTC_STYLE = os.path.join(BENCH_DIR, "baseline", "bootc_style.sh")
BOOTC_STYLE_PRUNE = os.path.join(BENCH_DIR, "baseline", "bootc_style_prune.sh")


def use_test_lib(ctx):
    """Puts tests/integration/lib on sys.path (registry, images, rootpin, ostree_fixture)."""
    lib = os.path.join(ctx.source_dir, "tests", "integration", "lib")
    if lib not in sys.path:
        sys.path.insert(0, lib)


def has_command(ctx, command):
    """Whether the built rootpin has `command` (scenarios skip a variant it lacks)."""
    r = subprocess.run([ctx.rootpin_bin, command, "--help"], capture_output=True, text=True)
    return r.returncode == 0


def need_rootpin(ctx, *commands):
    """Exits with a clear message when rootpin is not built or lacks a command."""
    if not os.access(ctx.rootpin_bin, os.X_OK):
        raise SystemExit(f"{ctx.rootpin_bin} is not built (cmake --build build --target rootpin)")
    for command in commands:
        if not has_command(ctx, command):
            raise SystemExit(f"{ctx.rootpin_bin} has no '{command}' command yet")


def sh(argv):
    """One shell word per argument."""
    return " ".join(shlex.quote(a) for a in argv)


def env_prefix(env):
    """`env K=V ...` for a hyperfine command line (hyperfine's shell inherits our env)."""
    return "env " + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) if env else ""


class PodmanLog:
    """A podman wrapper script that appends one line per run (start and end time in ns,
    then the arguments) to a log, then runs the real podman. Pass `path` as --podman."""

    def __init__(self, workdir, name="podman-logged"):
        self.path = os.path.join(workdir, name)
        self.log = self.path + ".log"
        real = subprocess.run(["sh", "-c", "command -v podman"], capture_output=True,
                              text=True, check=True).stdout.strip()
        with open(self.path, "w") as f:
            f.write("#!/bin/sh\n"
                    "start=$(date +%s%N)\n"
                    f"{shlex.quote(real)} \"$@\"\n"
                    "rc=$?\n"
                    f"echo \"$start $(date +%s%N) $*\" >> {shlex.quote(self.log)}\n"
                    "exit $rc\n")
        os.chmod(self.path, 0o755)
        self.reset()

    def reset(self):
        open(self.log, "w").close()

    def runs(self):
        """[(start_s, end_s, argument string)] of every run since reset()."""
        out = []
        with open(self.log) as f:
            for line in f:
                start, end, args = (line.rstrip("\n").split(" ", 2) + [""])[:3]
                out.append((int(start) / 1e9, int(end) / 1e9, args))
        return out

    def count(self, pattern=None):
        """Runs since reset(), only those whose arguments match `pattern` if given."""
        return sum(1 for r in self.runs() if pattern is None or re.search(pattern, r[2]))

    def busy_seconds(self):
        """Wall time during which at least one podman ran (union of the runs' intervals)."""
        total, end = 0.0, None
        for s, e, _ in sorted(self.runs()):
            if end is None or s > end:
                total += e - s
                end = e
            elif e > end:
                total += e - end
                end = e
        return total


def run(argv, env=None, check=True, timeout=600):
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{sh(argv)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def timed(argv, env=None):
    """(seconds, CompletedProcess) of one run that must succeed."""
    start = time.monotonic()
    r = run(argv, env=env)
    return time.monotonic() - start, r


_LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
_CALL = re.compile(r"^(\w+)\((?:AT_FDCWD|\d+)?(?:<([^>]*)>)?")
_RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>")
_RESULT = re.compile(r"= (\d+)(?: <[\d.]+>)?$")
_DURATION = re.compile(r"<(\d+\.\d+)>$")
_FORKS = ("clone", "clone3", "fork", "vfork")


class Syscall:
    def __init__(self, tid, name, path, start, seconds, text):
        self.tid, self.name, self.path = tid, name, path
        self.start, self.seconds, self.text = start, seconds, text

    @property
    def end(self):
        return self.start + self.seconds


def traced_syscalls(argv, syscalls, workdir, env=None):
    """Runs argv under `strace -f -y -ttt -T` and returns the [Syscall]s among `syscalls`
    made by argv's own process and its threads, not by the programs it runs (podman's own
    fsyncs are podman's business): clones are traced to tell a thread (CLONE_THREAD) from a
    child process. Syscall.path is the fd's path (strace -y) where the first argument is one."""
    out = os.path.join(workdir, "strace.out")
    run(["strace", "-f", "-y", "-ttt", "-T", "-qq", "-o", out, "-e",
         "trace=" + ",".join([*_FORKS, *syscalls]), *argv], env=env)
    ours, pending, calls = None, {}, []
    with open(out) as f:
        for line in f:
            m = _LINE.match(line.rstrip("\n"))
            if not m:
                continue
            tid, stamp, text = int(m.group(1)), float(m.group(2)), m.group(3)
            if ours is None:
                ours = {tid}
            if text.endswith("<unfinished ...>"):
                pending[tid] = (stamp, text[:-len("<unfinished ...>")])
                continue
            resumed = _RESUMED.match(text)
            if resumed:
                stamp, head = pending.pop(tid, (stamp, ""))
                text = head + text[resumed.end():]
            call = re.match(r"^(\w+)\(", text)
            name = call.group(1) if call else None
            if name in _FORKS:
                r = _RESULT.search(text)
                if r and tid in ours and "CLONE_THREAD" in text:
                    ours.add(int(r.group(1)))
                continue
            if name in syscalls and tid in ours:
                path = _CALL.match(text)
                seconds = _DURATION.search(text)
                calls.append(Syscall(tid, name, path.group(2) if path else "", stamp,
                                     float(seconds.group(1)) if seconds else 0.0, text))
    return calls


def write_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


class Fixture:
    """A benchmark's world: a real docker-registry on 127.0.0.1 (access-logged), images
    pushed to it, rootpin with its own state dir, store and runroot, and optionally an
    ostree sysroot whose deployment binds the images. All under ctx.tmp."""

    def __init__(self, ctx):
        use_test_lib(ctx)
        from images import Images
        from registry import Registry
        from rootpin import Rootpin
        self.ctx = ctx
        self.registry = Registry(ctx.tmp).__enter__()
        self.images = Images(ctx.tmp, self.registry)
        self.rootpin = Rootpin(ctx.rootpin_bin, ctx.tmp, env=self.images.env())
        self.env = {**os.environ, **self.images.env()}
        self.servers = []

    def push(self, count, prefix="bench/img", size=0, tag="1"):
        return [self.images.push(f"{prefix}{i}", tag, size=size) for i in range(count)]

    def requests(self, pattern=None):
        """Registry requests logged so far (only those whose path matches `pattern`)."""
        return sum(1 for _, path in self.registry.requests()
                   if pattern is None or re.search(pattern, path))

    def bind_sysroot(self, refs, base="ostree", version="1.0"):
        """A served ostree repo and a sysroot whose one deployment binds `refs` through
        .image units linked from bound-images.d; rootpin is pointed at it."""
        import ostree_fixture
        base = os.path.join(self.ctx.tmp, base)
        os.makedirs(base, exist_ok=True)
        units = self.units(refs)
        repo, sysroot = ostree_fixture.make_ostree(base, version, units, list(units))
        self.servers.append(repo)
        self.rootpin.sysroot = sysroot.path
        return repo, sysroot

    @staticmethod
    def units(refs, prefix="b"):
        import ostree_fixture
        return {f"{prefix}{i}.image": ostree_fixture.image_unit("", r) for i, r in enumerate(refs)}

    def shell_env(self):
        return {**self.images.env(), "ROOTPIN_CONFIG_DIR": self.rootpin.config_dir}

    def rootpin_cmd(self, *args, podman=None):
        """The shell command line of one rootpin run (for hyperfine)."""
        argv = self.rootpin.argv(*args)
        if podman:
            argv[1:1] = ["--podman", podman]
        return f"{env_prefix(self.shell_env())} {sh(argv)}"

    def rootpin_run(self, *args, podman=None):
        argv = self.rootpin.argv(*args)
        if podman:
            argv[1:1] = ["--podman", podman]
        return run(argv, env=self.rootpin.env)

    def bootc_style_cmd(self, store, refs, podman=None):
        argv = [BOOTC_STYLE] + (["--podman", podman] if podman else []) + [store, *refs]
        return f"{env_prefix(self.images.env())} {sh(argv)}"

    def close(self):
        for server in self.servers:
            server.stop()
        self.registry.__exit__(None, None, None)


def docker_archive(path, names):
    """Writes a docker-archive holding one tiny distinct image per name (one `podman load`
    then fills a store with all of them: hundreds of `podman import` runs would take minutes)."""
    import hashlib
    import io
    import tarfile

    def add(tar, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(data))

    manifest = []
    with tarfile.open(path, "w") as out:
        for name in names:
            layer_buf = io.BytesIO()
            with tarfile.open(fileobj=layer_buf, mode="w") as layer:
                add(layer, "id", f"{name}\n".encode())
            layer_bytes = layer_buf.getvalue()
            diff_id = hashlib.sha256(layer_bytes).hexdigest()
            config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                                 "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]}},
                                sort_keys=True).encode()
            config_id = hashlib.sha256(config).hexdigest()
            add(out, f"{diff_id}/layer.tar", layer_bytes)
            add(out, f"{config_id}.json", config)
            manifest.append({"Config": f"{config_id}.json", "RepoTags": [name],
                             "Layers": [f"{diff_id}/layer.tar"]})
        add(out, "manifest.json", json.dumps(manifest).encode())
    return path
