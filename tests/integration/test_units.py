"""The systemd units: they pass `systemd-analyze verify`, and say what the design says.

Each unit is verified as configured in the build dir, with its ExecStart= binary pointed
at the freshly built rootpin and MANPATH at our man pages (so verify also checks that
every Documentation=man:… page exists). A broken copy must be flagged, so the check
cannot pass vacuously.
"""
import os
import re
import shlex
import subprocess

import pytest

from build_tree import (UNIT_NAMES, configured_unit, full_bindir, make_manpath,
                        require_dirs, unit_settings)

SERVICES = [u for u in UNIT_NAMES if u.endswith(".service")]


@pytest.fixture
def unit_dir(tmp, rootpin_bin):
    """The configured units with ExecStart= pointing at the built binary."""
    require_dirs()
    installed = os.path.join(full_bindir(), "rootpin")
    d = os.path.join(tmp, "units")
    os.makedirs(d)
    for name in UNIT_NAMES:
        with open(configured_unit(name)) as f:
            text = f.read()
        assert "@" + "CMAKE_" not in text, f"{name}: unsubstituted template variable"
        for m in re.finditer(r"^ExecStart=(\S+)", text, re.M):
            assert m.group(1) == installed, f"{name}: ExecStart= runs {m.group(1)}, not {installed}"
        with open(os.path.join(d, name), "w") as f:
            f.write(text.replace(installed, rootpin_bin))
    return d


def verify(tmp, path):
    env = dict(os.environ, MANPATH=make_manpath(os.path.join(tmp, "man-" + os.path.basename(path))),
               SYSTEMD_LOG_COLOR="0")
    return subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True,
                          env=env, cwd=tmp, timeout=120)


@pytest.mark.parametrize("name", UNIT_NAMES)
def test_unit_passes_systemd_analyze_verify(tmp, unit_dir, name):
    r = verify(tmp, os.path.join(unit_dir, name))
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", r.stderr
    assert r.stdout.strip() == "", r.stdout


BREAKAGES = {
    "typo in a key": ("rootpin-upgrade.service", "Type=oneshot", "Tpye=oneshot"),
    "bad timer value": ("rootpin-upgrade.timer", "OnBootSec=1h", "OnBootSec=soonish"),
    "missing binary": ("rootpin-boot.service", "ExecStart=", "ExecStart=/nonexistent/rootpin "),
    "missing man page": ("rootpin-bind.path", "Documentation=man:rootpin(8)",
                         "Documentation=man:rootpin(9)"),
    "unknown section": ("rootpin-bind.service", "[Service]", "[Servce]"),
}


@pytest.mark.parametrize("what", BREAKAGES)
def test_verify_flags_a_broken_copy(tmp, unit_dir, what):
    name, old, new = BREAKAGES[what]
    path = os.path.join(unit_dir, name)
    with open(path) as f:
        text = f.read()
    # Only on a setting's own line, never in a comment that quotes it.
    broken, count = re.subn(rf"^{re.escape(old)}", lambda _: new, text, count=1, flags=re.M)
    assert count == 1, f"{name} has no line starting with {old!r}: update this test"
    with open(path, "w") as f:
        f.write(broken)
    r = verify(tmp, path)
    assert r.returncode != 0 or r.stderr.strip(), f"verify accepted a unit with a {what}"


def settings(name):
    require_dirs()
    return unit_settings(configured_unit(name))


def value(name, key):
    values = [v for _, k, v in settings(name) if k == key]
    assert values, f"{name} sets no {key}="
    return values


@pytest.mark.parametrize("name", UNIT_NAMES)
def test_every_unit_points_at_the_man_page(name):
    docs = " ".join(value(name, "Documentation"))
    assert "man:rootpin(8)" in docs.split()


@pytest.mark.parametrize("name", SERVICES)
def test_services_share_the_state_and_runtime_directories(name):
    assert value(name, "Type") == ["oneshot"]
    assert value(name, "StateDirectory") == ["rootpin"]
    assert value(name, "RuntimeDirectory") == ["rootpin"]
    # The store's runroot lives in /run/rootpin and is shared by all three services.
    assert value(name, "RuntimeDirectoryPreserve") == ["yes"]
    assert value(name, "NoNewPrivileges") == ["yes"]
    assert value(name, "PrivateTmp") == ["yes"]
    assert value(name, "ConditionPathExists")[0] == "/run/ostree-booted"


# Settings that look like free hardening but break podman; each with the reason.
BREAKS_PODMAN = {
    "RestrictSUIDSGID": "layers hold setuid files; extracting them needs their mode",
    "ProtectKernelModules": "containers-storage runs `modprobe overlay` when it is not loaded",
    "RestrictNamespaces": "libostree remounts /sysroot in its own mount namespace",
    "PrivateUsers": "layers own files by many UIDs; the namespace maps all but root to nobody",
}


@pytest.mark.parametrize("name", SERVICES)
def test_no_hardening_that_breaks_podman(name):
    for key, why in BREAKS_PODMAN.items():
        set_to = [v for _, k, v in settings(name) if k == key]
        assert set_to in ([], ["no"]), f"{name} sets {key}=: {why}"


@pytest.mark.parametrize("name", SERVICES)
def test_stopping_signals_rootpin_and_waits_for_it_to_stop_podman(name):
    """rootpin passes a SIGTERM on to the podman it runs and kills it 10 s later (kStopGrace
    in src/main.cpp): systemd must signal rootpin alone and wait longer than that."""
    assert value(name, "KillMode") == ["mixed"]
    (timeout,) = value(name, "TimeoutStopSec")
    assert re.fullmatch(r"[0-9]+s", timeout) and int(timeout[:-1]) >= 30, timeout


def exec_args(name):
    (line,) = value(name, "ExecStart")
    return shlex.split(line)[1:]


def test_upgrade_service_and_timer():
    assert exec_args("rootpin-upgrade.service") == ["upgrade"]
    for key in ("Wants", "After"):
        assert "network-online.target" in " ".join(value("rootpin-upgrade.service", key)).split()
    timer = dict((k, v) for _, k, v in settings("rootpin-upgrade.timer"))
    for key in ("OnBootSec", "OnUnitInactiveSec", "RandomizedDelaySec", "Persistent"):
        assert key in timer, f"rootpin-upgrade.timer sets no {key}="
    assert value("rootpin-upgrade.timer", "WantedBy") == ["timers.target"]


def test_bind_path_triggers_bind_staged():
    assert value("rootpin-bind.path", "PathChanged") == ["/run/ostree/staged-deployment"]
    assert value("rootpin-bind.path", "Unit") == ["rootpin-bind.service"]
    assert exec_args("rootpin-bind.service") == ["bind", "--staged"]
    # Removal of the file triggers the path unit too: the service must skip, not fail.
    assert "/run/ostree/staged-deployment" in value("rootpin-bind.service", "ConditionPathExists")
    assert "network-online.target" in " ".join(value("rootpin-bind.service", "After")).split()


def test_boot_service_runs_before_default_services():
    assert exec_args("rootpin-boot.service") == ["boot"]
    assert value("rootpin-boot.service", "DefaultDependencies") == ["no"]
    assert "basic.target" in " ".join(value("rootpin-boot.service", "Before")).split()
    assert value("rootpin-boot.service", "PrivateNetwork") == ["yes"]


@pytest.mark.parametrize("name", SERVICES)
def test_rootpin_accepts_the_command_line_of_each_service(rootpin_bin, name):
    # `--help` after the arguments makes the CLI parse them and stop: an option the
    # command does not know fails here rather than on a host at 3 a.m.
    args = exec_args(name)
    r = subprocess.run([rootpin_bin, *args, "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"rootpin {' '.join(args)}: {r.stderr}"
    # CLI11 answers --help even after an unknown word, with the top-level help: the help
    # must be the command's own.
    assert re.search(rf"^Usage: \S*rootpin {re.escape(args[0])}\b", r.stdout, re.M), \
        f"rootpin has no command {args[0]}: {r.stdout[:200]}"
    for option in args[1:]:
        assert option in r.stdout, f"rootpin {args[0]} --help does not show {option}"
