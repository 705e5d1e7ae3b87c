"""Processes a test left running, found by a path unique to the test (its store) on their
command line: podman --root STORE and whatever it started.

    leftover_processes(rp.store)          # pids, [] when none
    leftover_processes(rp.store, {pid})   # the same, not counting rootpin itself
    kill_leftovers(rp.store)              # SIGKILL them (teardown of a test that failed)
"""
import os
import signal


def leftover_processes(path, exclude=()):
    """Processes whose command line names `path`, less the pids in `exclude`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) in exclude:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if path.encode() in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


def kill_leftovers(path):
    for pid in leftover_processes(path):
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
