"""Crash at any instant: SIGKILL the real rootpin binary at chosen system calls with strace's
fault injection, then check the invariants and that a rerun converges (issue 6).

No hook in the product: `strace -e inject=SYSCALL:signal=SIGKILL:when=N` kills the tracee
that makes its Nth call of SYSCALL.

strace 6.1 counts `when=N` per syscall *and per tracee* (each thread and each child is a
tracee with its own counters). Two kinds of crash point follow from that:

- Point(name, n, Target.ROOTPIN): strace without -f traces rootpin's main thread only, so N
  is exactly the Nth call rootpin itself makes (where it writes the ledger, deploys with
  libostree and starts its children); podman children run untraced and are waited for.
- Point(name, n, Target.ANY): strace -f; the first tracee to make its Nth call dies: a podman
  child (rootpin then sees a pull or rmi fail), a thread of rootpin (which kills rootpin:
  SIGKILL takes the thread group), or rootpin. Every tracee that later reaches its own Nth
  call dies too. Each run's trace says who died.

    trace = clean_trace(argv, env, log)               # strace -f of a run without faults
    trace.points("renameat")                          # N over rootpin's own calls
    trace.points("openat", touching=[state_dir])      # only those that named state_dir
    trace.points("renameat", target=Target.ANY)       # 1 .. the most any tracee made
    crash = crash_run(argv, env, log, point)
    crash.fired, crash.killed_rootpin, crash.killed_children, crash.proc

Sweep(...) drives the loop: restore the start state, crash, check, rerun, check, count.
"""
import json
import os
import re
import subprocess
import time

import podman_leg
from cleanup import remove_tree
from processes import leftover_processes
import strace

# The calls a crash point can sit on: the writes of the ledger, the store and the sysroot,
# and the start of every child.
SYSCALLS = ("rename", "renameat", "renameat2", "fsync", "fdatasync", "write", "openat",
            "unlink", "unlinkat", "linkat", "execve")
# Traced with them so that a trace says which pid is which process.
_PROCESS_CALLS = ("clone", "clone3", "vfork", "fork", "execve")

_LINE = re.compile(r"^(\d+) +(.*)$")
_CALL = re.compile(r"^([a-z0-9_]+)\((.*)$")
_RESUMED = re.compile(r"^<\.\.\. ([a-z0-9_]+) resumed>(.*)$")
_RESULT = re.compile(r"\) += (-?\d+|\?|0x[0-9a-f]+)")


class Target:
    ROOTPIN = "rootpin"  # rootpin's main thread, traced alone
    ANY = "any"          # every tracee under -f


class Point:
    __slots__ = ("name", "n", "target")

    def __init__(self, name, n, target=Target.ROOTPIN):
        self.name, self.n, self.target = name, n, target

    def __repr__(self):
        return f"{self.name}:when={self.n}" + ("" if self.target == Target.ROOTPIN else ":-f")


class Call:
    __slots__ = ("pid", "name", "text", "result")

    def __init__(self, pid, name, text):
        self.pid, self.name, self.text, self.result = pid, name, text, None


class Trace:
    """A parsed `strace -f -yy -o LOG` file: calls in entry order per pid, who is which."""

    def __init__(self, path):
        self.calls = []          # every call, in the order strace saw them enter
        self.root_pid = None     # the traced command (rootpin)
        self.parent = {}         # pid -> pid that cloned it
        self.threads = set()     # pids made with CLONE_THREAD
        self.exe = {}            # pid -> last program it executed
        self.killed = []         # pids that died of SIGKILL
        self.injected = []       # calls marked (INJECTED)
        pending = {}
        with open(path, errors="replace") as f:
            for raw in f:
                line = raw.rstrip("\n")
                m = _LINE.match(line)
                # Without -f strace prints no pid: the one tracee is pid 0 here.
                pid, rest = (int(m.group(1)), m.group(2)) if m else (0, line)
                if self.root_pid is None:
                    self.root_pid = pid
                if rest.startswith("+++ killed by SIGKILL"):
                    self.killed.append(pid)
                    continue
                if rest.startswith("+++") or rest.startswith("---"):
                    continue
                resumed = _RESUMED.match(rest)
                if resumed:
                    call = pending.pop(pid, None)
                    if call is not None:
                        call.text += resumed.group(2)
                        self._finish(call)
                    continue
                cm = _CALL.match(rest)
                if not cm:
                    continue
                call = Call(pid, cm.group(1), cm.group(2))
                self.calls.append(call)
                if rest.endswith("<unfinished ...>"):
                    pending[pid] = call
                else:
                    self._finish(call)

    def _finish(self, call):
        m = _RESULT.search(call.text)
        call.result = m.group(1) if m else None
        if "(INJECTED)" in call.text:
            self.injected.append(call)
        if call.name in ("clone", "clone3", "vfork", "fork") and call.result \
                and call.result.isdigit():
            child = int(call.result)
            self.parent[child] = call.pid
            if "CLONE_THREAD" in call.text:
                self.threads.add(child)
        elif call.name == "execve" and call.result == "0":
            m = re.match(r'"([^"]*)"', call.text)
            if m:
                self.exe[call.pid] = os.path.basename(m.group(1))

    def process_of(self, pid):
        """The thread-group leader of pid (threads share their creator's process)."""
        while pid in self.threads and pid in self.parent:
            pid = self.parent[pid]
        return pid

    def in_rootpin(self, pid):
        return self.process_of(pid) == self.root_pid

    def counts(self, name):
        """{pid: number of `name` calls it made}."""
        out = {}
        for c in self.calls:
            if c.name == name:
                out[c.pid] = out.get(c.pid, 0) + 1
        return out

    def nth_call(self, name, n):
        """rootpin's own Nth call of `name`."""
        k = 0
        for c in self.calls:
            if c.name == name and c.pid == self.root_pid:
                k += 1
                if k == n:
                    return c
        raise IndexError(f"rootpin made fewer than {n} {name} calls")

    def points(self, name, touching=None, target=Target.ROOTPIN):
        """Crash points for `name`. Target.ROOTPIN: N over rootpin's main thread's calls,
        or with `touching` (paths) only the N whose call named one of them (strace -yy
        prints an fd's path: a write to the ledger's temp file shows as
        `write(3</state/.ledger.json.tmp-..>`). Target.ANY: N = 1 .. the most calls any
        tracee made."""
        if target == Target.ANY:
            most = max(self.counts(name).values(), default=0)
            return [Point(name, n, target) for n in range(1, most + 1)]
        out = []
        n = 0
        for c in self.calls:
            if c.name != name or c.pid != self.root_pid:
                continue
            n += 1
            if touching is None or any(p in c.text for p in touching):
                out.append(Point(name, n, target))
        return out


FULL = os.environ.get("ROOTPIN_CRASH_FULL") == "1"
# tools/crash may narrow the full sweep to some syscalls (comma-separated).
FULL_SYSCALLS = [s for s in os.environ.get("ROOTPIN_CRASH_SYSCALLS", "").split(",") if s]
_WRITING_OPEN = ("O_WRONLY", "O_RDWR", "O_CREAT")


def select_points(trace, touching, rename_touching=(), children=0, full=FULL):
    """The crash points of one command.

    full (tools/crash, ROOTPIN_CRASH_FULL=1): every call rootpin's own thread makes of each
    of SYSCALLS but execve (its only execve is its own start), and under -f every N up to
    the most calls of it any tracee made.

    Otherwise (CI): each call of rootpin's own thread that names a path in `touching` (the
    state dir: lock, ledger, temp file, .prev) - opens only when they create or write -,
    renames that name a path in `rename_touching` (libostree's deployment and bootloader
    swap), and the first `children` renameat points under -f (podman killed in its store)."""
    points = []
    for name in SYSCALLS:
        if name == "execve" or (full and FULL_SYSCALLS and name not in FULL_SYSCALLS):
            continue
        if full:
            points += trace.points(name)
            points += trace.points(name, target=Target.ANY)
            continue
        extra = tuple(rename_touching) if name.startswith("rename") else ()
        for p in trace.points(name, tuple(touching) + extra):
            call = trace.nth_call(name, p.n)
            if name == "openat" and not any(f in call.text for f in _WRITING_OPEN):
                continue
            points.append(p)
    if not full and children:
        points += trace.points("renameat", target=Target.ANY)[:children]
    return points


def strace_argv(log, syscalls, point=None):
    traced = sorted(set(syscalls) | set(_PROCESS_CALLS))
    follow = strace.Follow.ALL if point is None or point.target == Target.ANY \
        else strace.Follow.MAIN_THREAD
    inject = f"{point.name}:signal=SIGKILL:when={point.n}" if point is not None else None
    return strace.argv(log, traced, follow=follow, exits=strace.Exits.SHOWN,
                       fds=strace.Fds.PATHS_AND_SOCKETS, signals=strace.Signals.HIDDEN,
                       strsize=256, inject=inject)


def clean_trace(argv, env, log, syscalls=SYSCALLS, timeout=600):
    """Runs argv under strace without faults: (CompletedProcess, Trace)."""
    proc = subprocess.run(strace_argv(log, syscalls) + list(argv), env=env, capture_output=True,
                          text=True, timeout=timeout)
    return proc, Trace(log)


class Crash:
    """One run of argv with SIGKILL injected at the Nth `name` call of each tracee."""

    def __init__(self, point, proc, trace):
        self.point, self.proc, self.trace = point, proc, trace
        # strace ends itself with the signal that ended its command, often before it logs
        # "+++ killed"; a killed thread of a child gets no such line at all, only its call
        # that never returned ("= ?").
        killed = set(trace.killed) | {c.pid for c in trace.calls
                                      if c.name == point.name and c.result == "?"}
        self.killed_rootpin = any(trace.in_rootpin(p) for p in killed) or \
            proc.returncode in (-9, 137)
        self.killed_children = sorted({trace.exe.get(trace.process_of(p), "?")
                                       for p in killed if not trace.in_rootpin(p)})
        self.fired = self.killed_rootpin or bool(self.killed_children)
        self.note = None  # set by a check: what the next run must say

    def describe(self):
        who = []
        if self.killed_rootpin:
            who.append("rootpin")
        who += self.killed_children
        return f"{self.point!r} killed {', '.join(who) or 'nothing'} (rc={self.proc.returncode})"


def crash_run(argv, env, log, point, marker=None, timeout=600):
    """Runs argv with `point` injected. Children that outlive a killed rootpin untraced are
    waited for (those whose command line names `marker`, the test's store), so that the
    checks and the rerun see what they left, not a race with them."""
    proc = subprocess.run(strace_argv(log, [point.name], point) + list(argv), env=env,
                          capture_output=True, text=True, timeout=timeout)
    if marker:
        wait_for_processes(marker, timeout)
    return Crash(point, proc, Trace(log))


def wait_for_processes(marker, timeout):
    deadline = time.monotonic() + timeout
    while True:
        left = leftover_processes(marker, {os.getpid()})
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"processes {left} naming {marker} still run after {timeout}s")
        time.sleep(0.05)


# --- state snapshots -----------------------------------------------------------------------

class Snapshot:
    """Copies of some directories (cp -a keeps hard links, modes and times) to restore each
    crash point's start state; ostree's immutable bit is set again on deployments."""

    def __init__(self, paths, where):
        self.paths = list(paths)
        self.where = where
        os.makedirs(where, exist_ok=True)
        for i, p in enumerate(self.paths):
            if os.path.exists(p):
                subprocess.run(["cp", "-a", p, self._copy(i)], check=True)

    def _copy(self, i):
        return os.path.join(self.where, str(i))

    def restore(self):
        for i, p in enumerate(self.paths):
            remove_tree(p, ignore_errors=False)
            if os.path.exists(self._copy(i)):
                subprocess.run(["cp", "-a", self._copy(i), p], check=True)
                deploy = os.path.join(p, "ostree/deploy")
                if os.path.isdir(deploy):
                    for d in _deployment_dirs(deploy):
                        subprocess.run(["chattr", "+i", d], check=False)


def _deployment_dirs(deploy):
    for osname in os.listdir(deploy):
        base = os.path.join(deploy, osname, "deploy")
        if os.path.isdir(base):
            for d in os.listdir(base):
                path = os.path.join(base, d)
                if os.path.isdir(path) and not os.path.islink(path):
                    yield path


# --- invariants ----------------------------------------------------------------------------

def read_json(path):
    """(parsed, None) or (None, why)."""
    try:
        with open(path) as f:
            return json.load(f), None
    except FileNotFoundError:
        return None, "missing"
    except (OSError, ValueError) as e:
        return None, str(e)


class Store:
    """podman's view of a test's store (`--root STORE --runroot RUN`)."""

    def __init__(self, store, runroot, env):
        self.store, self.runroot, self.env = store, runroot, env

    def images(self):
        """{image id: set of digests it is known by}."""
        if not os.path.exists(self.store):
            return {}
        proc = subprocess.run([*podman_leg.store_argv(self.store, self.runroot),
                               "images", "--all", "--format", "json"], capture_output=True,
                              text=True, env=self.env, timeout=300)
        if proc.returncode != 0:
            raise AssertionError(f"podman images on {self.store} failed: {proc.stderr}")
        out = {}
        for i in json.loads(proc.stdout or "[]"):
            digests = set(i.get("Digests") or [])
            if i.get("Digest"):
                digests.add(i["Digest"])
            for rd in i.get("RepoDigests") or []:
                digests.add(rd.rsplit("@", 1)[-1])
            out[i["Id"]] = digests
        return out


def held(ledger, live_roots):
    """[(who, image_id, digest)] that the ledger's admin pins and live roots' records hold."""
    out = []
    for p in (ledger or {}).get("pins", []):
        out.append((f"admin pin {p['reference']}", p["image_id"], p.get("digest", "")))
    for root_id, record in (ledger or {}).get("roots", {}).items():
        if live_roots is not None and root_id not in live_roots:
            continue
        for i in record.get("images", []):
            out.append((f"{i['unit']} of {root_id}", i["image_id"], i.get("digest", "")))
    return out


def missing_holds(ledger, live_roots, images):
    """What the ledger holds that the store lacks (or has at another digest)."""
    problems = []
    for who, image_id, digest in held(ledger, live_roots):
        if image_id not in images:
            problems.append(f"{who}: image {image_id[:12]} is not in the store")
        elif digest and images[image_id] and digest not in images[image_id]:
            problems.append(f"{who}: image {image_id[:12]} is not at {digest}")
    return problems


def load_ledger(state_dir, had_ledger):
    """(ledger, note, problem) after a crash: ledger.json, or the previous generation (the
    next run must then say so: note is set), or a problem when a ledger was lost."""
    ledger, why = read_json(os.path.join(state_dir, "ledger.json"))
    if ledger is not None:
        return ledger, None, None
    prev, prev_why = read_json(os.path.join(state_dir, "ledger.json.prev"))
    if why == "missing" and not had_ledger:
        return None, None, None
    if prev is not None:
        return prev, f"ledger.json {why}", None
    return None, None, f"ledger lost: ledger.json {why}, ledger.json.prev {prev_why}"


def converged(crash, rerun, gc, state, expected):
    """Problems with a rerun after a crash: it failed, it did not say that it used the
    previous generation when ledger.json was unusable, the gc after it failed, or the state
    it left differs from the one a run without faults left."""
    problems = []
    if rerun.returncode != 0:
        problems.append(f"rerun exit {rerun.returncode}: {rerun.stderr[-500:]}")
    if crash.note and "previous generation" not in rerun.stderr:
        problems.append(f"{crash.note} but the rerun did not say it used the previous "
                        f"generation: {rerun.stderr[-300:]}")
    if gc.returncode != 0:
        problems.append(f"gc exit {gc.returncode}: {gc.stderr[-500:]}")
    if state != expected:
        problems.append(f"did not converge: {state} != {expected}")
    return problems


def crashed_exit(crash):
    """rootpin killed, or its own exit status when a child was killed instead."""
    if crash.proc.returncode in (0, 1, 3) or crash.killed_rootpin:
        return []
    return [f"exit {crash.proc.returncode}: {crash.proc.stderr[-500:]}"]


class Tally:
    """Crash points tried and survived per command, printed and appended to a file."""

    def __init__(self, path=None):
        build = os.environ.get("ROOTPIN_BUILD_DIR")
        self.path = path or os.environ.get("ROOTPIN_CRASH_REPORT") or (
            os.path.join(build, "crash-points.txt") if build else None)
        self.rows = {}

    def add(self, command, crash, failures):
        row = self.rows.setdefault(command, {"tried": 0, "fired": 0, "rootpin": 0,
                                             "children": 0, "survived": 0, "failed": []})
        row["tried"] += 1
        row["fired"] += 1 if crash.fired else 0
        row["rootpin"] += 1 if crash.killed_rootpin else 0
        row["children"] += 1 if crash.killed_children else 0
        if failures:
            row["failed"].append(f"{crash.describe()}: " + "; ".join(failures))
        else:
            row["survived"] += 1

    def line(self, command, seconds=None):
        r = self.rows[command]
        took = f" in {seconds:.0f}s" if seconds is not None else ""
        return (f"crash points: {command} {r['tried']} tried, {r['survived']} survived "
                f"({r['fired']} fired: {r['rootpin']} killed rootpin, {r['children']} killed a "
                f"child){took}")

    def report(self, command, seconds=None):
        text = self.line(command, seconds)
        print(text)
        if self.path:
            # One line per command: a later run replaces it.
            prefix = f"crash points: {command} "
            try:
                with open(self.path) as f:
                    lines = [l for l in f.read().splitlines() if not l.startswith(prefix)]
            except FileNotFoundError:
                lines = []
            with open(self.path, "w") as f:
                f.write("\n".join(lines + [text]) + "\n")
        return text


class Sweep:
    """The loop of one command: for each crash point, restore the start state, crash, check
    the invariants on what the crash left, rerun, check convergence.

    check_crashed(crash) and check_rerun(crash, rerun) return lists of problems."""

    def __init__(self, command, argv, env, workdir, snapshot, tally, marker):
        self.command, self.argv, self.env, self.marker = command, list(argv), env, marker
        self.workdir, self.snapshot, self.tally = workdir, snapshot, tally
        self.log = os.path.join(workdir, f"crash-{command}.strace")

    def clean(self):
        """The fault-free run: its trace decides the crash points. State restored after."""
        self.snapshot.restore()
        proc, trace = clean_trace(self.argv, self.env, self.log)
        if proc.returncode != 0:
            raise AssertionError(f"clean run of {self.command} failed ({proc.returncode}): "
                                 f"{proc.stderr}")
        return proc, trace

    def run(self, points, check_crashed, rerun, check_rerun):
        """points: [Point]. Returns the failures (each names its crash point)."""
        started = time.monotonic()
        failures = []
        for point in points:
            self.snapshot.restore()
            crash = crash_run(self.argv, self.env, self.log, point, self.marker)
            problems = list(check_crashed(crash))
            if not problems:
                problems += check_rerun(crash, rerun(crash))
            self.tally.add(self.command, crash, problems)
            print(f"{self.command} {crash.describe()}: "
                  f"{'; '.join(problems) if problems else 'survived'}", flush=True)
            if problems:
                failures.append(f"{crash.describe()}: " + "; ".join(problems))
        self.tally.report(self.command, time.monotonic() - started)
        return failures
