"""The logind shutdown inhibitor (issue 12, point 3), against a private D-Bus daemon with a
stub logind (lib/logind_stub.py): the host's system bus is never used.

inhibit_probe takes the inhibitor exactly as bind and upgrade do; test_fleet_commands.py
checks that the commands themselves take and release it around their pulls.
"""
import os
import subprocess

import pytest

from logind_stub import PrivateLogind

PROBE = os.environ.get("INHIBIT_PROBE_BIN", "")


def probe(env, why="pulling the container images of the staged root"):
    assert PROBE and os.access(PROBE, os.X_OK), "INHIBIT_PROBE_BIN not set (run through ctest)"
    return subprocess.Popen([PROBE, why], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, **env})


def finish(p):
    p.stdin.close()
    assert p.wait(timeout=30) == 0


def test_the_inhibitor_blocks_shutdown_until_released(tmp):
    with PrivateLogind(tmp) as logind:
        p = probe(logind.env())
        assert p.stdout.readline().strip() == "held"
        events = logind.events()
        assert events == [{"event": "inhibit", "id": 1, "what": "shutdown", "who": "rootpin",
                           "why": "pulling the container images of the staged root",
                           "mode": "block"}]
        assert logind.held() == [1]
        p.stdin.write("release\n")
        p.stdin.flush()
        assert p.stdout.readline().strip() == "released"
        # Released by closing the descriptor, while the process still runs.
        assert logind.wait_released(), logind.events()
        assert p.poll() is None
        finish(p)


def test_the_inhibitor_is_released_when_the_process_dies(tmp):
    with PrivateLogind(tmp) as logind:
        p = probe(logind.env())
        assert p.stdout.readline().strip() == "held"
        p.kill()
        p.wait()
        assert logind.wait_released(), logind.events()


@pytest.mark.parametrize("setup", ["no-bus", "no-logind", "refused"])
def test_no_inhibitor_is_a_reason_not_a_failure(tmp, setup):
    if setup == "no-bus":
        env = {"DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp}/no-such-socket"}
        p = probe(env)
        line = p.stdout.readline().strip()
        assert line.startswith("not held: cannot connect to the system bus"), line
        finish(p)
        return
    with PrivateLogind(tmp, refuse=setup == "refused", logind=setup != "no-logind") as logind:
        p = probe(logind.env())
        line = p.stdout.readline().strip()
        assert line.startswith("not held: logind refused a shutdown inhibitor"), line
        assert ("AccessDenied" if setup == "refused" else "org.freedesktop.login1") in line
        finish(p)
