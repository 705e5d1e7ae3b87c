"""Runs a program under strace: the one place the tests build strace's command line.

    lines = strace.run(argv, log, ["openat"], env=env).lines          # main thread only
    proc = strace.run(argv, log, ["rename"], follow=Follow.ALL,       # threads and children
                      inject="rename:signal=SIGKILL:when=3", exits=Exits.SHOWN).proc

Every trace names file descriptors by their paths (-y; -yy adds sockets), and runs the tracee
with LeakSanitizer off: LeakSanitizer cannot work under ptrace and aborts, so a sanitizer
build (tools/test --sanitize) keeps ASan and UBSan there but not the leak check. Harmless for
a normal build.
"""
import subprocess
from dataclasses import dataclass
from enum import Enum

SANITIZER_ENV = ["-E", "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1"]


class Follow(Enum):
    MAIN_THREAD = "main-thread"  # strace's default: when=N counts that thread's calls only
    ALL = "all"                  # every thread and child (-f; when=N counts per tracee)


class Exits(Enum):
    HIDDEN = "hidden"  # -qq: no "+++ exited/killed" lines
    SHOWN = "shown"    # -q: "+++ killed by SIGKILL" lines (lib/crash.py reads them)


class Fds(Enum):
    PATHS = "paths"                          # -y
    PATHS_AND_SOCKETS = "paths-and-sockets"  # -yy


class Signals(Enum):
    SHOWN = "shown"
    HIDDEN = "hidden"  # -e signal=none


_ARGS = {Follow.MAIN_THREAD: [], Follow.ALL: ["-f"], Exits.HIDDEN: ["-qq"], Exits.SHOWN: ["-q"],
         Fds.PATHS: ["-y"], Fds.PATHS_AND_SOCKETS: ["-yy"], Signals.SHOWN: [],
         Signals.HIDDEN: ["-e", "signal=none"]}


def argv(log, syscalls, follow=Follow.MAIN_THREAD, exits=Exits.HIDDEN, fds=Fds.PATHS,
         signals=Signals.SHOWN, strsize=64, inject=None):
    """strace's own arguments (the traced command goes after them)."""
    out = ["strace", *_ARGS[exits], *_ARGS[follow], *_ARGS[fds], "-s", str(strsize), "-o", log,
           "-e", "trace=" + ",".join(syscalls), *_ARGS[signals], *SANITIZER_ENV]
    if inject:
        out += ["-e", f"inject={inject}"]
    return out


@dataclass
class Traced:
    proc: subprocess.CompletedProcess
    log: str

    @property
    def lines(self):
        with open(self.log) as f:
            return f.read().splitlines()


def run(command, log, syscalls, env=None, timeout=300, **options):
    """Runs command under strace (options as argv's); stdout and stderr captured as text."""
    proc = subprocess.run(argv(log, syscalls, **options) + list(command), env=env,
                          capture_output=True, text=True, timeout=timeout)
    return Traced(proc, log)
