"""node_exporter textfile metrics (issue 12, point 1): after every command, DIR/rootpin.prom
is replaced atomically, passes Debian's `promtool check metrics`, nothing else is left in
DIR, and the pull counters and last runs survive from one run to the next (state dir).
"""
import os
import re
import shutil
import subprocess

import pytest

from roots_env import image_unit


def promtool_check(path):
    promtool = shutil.which("promtool")
    assert promtool, "promtool is not installed (tools/bootstrap installs Debian's prometheus)"
    with open(path) as f:
        r = subprocess.run([promtool, "check", "metrics"], stdin=f, capture_output=True,
                           text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def samples(path):
    """{'name{labels}': value} of the textfile."""
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


@pytest.fixture
def metrics_dir(tmp):
    d = os.path.join(tmp, "textfile")
    os.makedirs(d)
    return d


def test_each_command_rewrites_a_valid_textfile_and_counters_persist(pins, metrics_dir):
    images, rp, d = pins.images, pins.rp, metrics_dir
    prom = os.path.join(d, "rootpin.prom")
    a = images.push("acme/a", "1", size=4096)
    rp.run("--metrics-dir", d, "pin", a, check=True)
    promtool_check(prom)
    assert os.listdir(d) == ["rootpin.prom"]
    s = samples(prom)
    assert s['rootpin_pulls_total{result="success"}'] == 1
    assert s['rootpin_pulls_total{result="failure"}'] == 0
    assert s["rootpin_pulled_bytes_total"] >= 4096
    assert s["rootpin_store_images"] == 1
    assert s['rootpin_held_images{holder="pin"}'] == 1
    pinned_at = s['rootpin_last_success_timestamp_seconds{command="pin"}']
    assert s['rootpin_last_run_timestamp_seconds{command="pin",result="success"}'] == pinned_at

    # A failed pull counts, and the earlier success and counters are still there.
    missing = a.rsplit("/", 1)[0] + "/missing:1"
    assert rp.run("--metrics-dir", d, "pin", missing).returncode == 1
    promtool_check(prom)
    s = samples(prom)
    assert s['rootpin_pulls_total{result="success"}'] == 1
    assert s['rootpin_pulls_total{result="failure"}'] >= 1
    assert s['rootpin_last_success_timestamp_seconds{command="pin"}'] == pinned_at
    assert 'rootpin_last_run_timestamp_seconds{command="pin",result="failure"}' in s

    # MetricsDir= in the configuration, and a reader (status) writes the file too.
    with open(os.path.join(rp.config_dir, "rootpin.conf"), "w") as f:
        f.write(f"[Rootpin]\nMetricsDir={d}\n")
    rp.run("status", check=True)
    promtool_check(prom)
    s = samples(prom)
    assert 'rootpin_last_success_timestamp_seconds{command="status"}' in s
    assert s['rootpin_pulls_total{result="success"}'] == 1
    assert os.listdir(d) == ["rootpin.prom"]


def test_a_metrics_directory_that_cannot_be_written_is_a_warning(pins, tmp):
    images, rp = pins.images, pins.rp
    a = images.push("acme/a", "1")
    r = rp.run("--metrics-dir", os.path.join(tmp, "no-such-dir"), "pin", a)
    assert r.returncode == 0, r.stderr
    assert "metrics not written" in r.stderr


def test_roots_by_role_and_unbound(roots, metrics_dir):
    d = metrics_dir
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin("--metrics-dir", d, "bind", check=0)
    prom = os.path.join(d, "rootpin.prom")
    promtool_check(prom)
    s = samples(prom)
    assert s['rootpin_roots{role="pending"}'] == 1  # a sysroot that is not booted
    assert s['rootpin_roots_unbound{role="pending"}'] == 0
    assert s['rootpin_held_images{holder="root"}'] == 1
    assert s["rootpin_staged_finalization_locked"] == 0
    # Another tool deploys version 2: rootpin has not bound it yet.
    roots.commit({"a.image": image_unit(a)}, "2.0")
    roots.sysroot.deploy()
    roots.rootpin("--metrics-dir", d, "status", check=0)
    s = samples(prom)
    assert s['rootpin_roots{role="pending"}'] == 1
    assert s['rootpin_roots{role="rollback"}'] == 1
    assert s['rootpin_roots_unbound{role="pending"}'] == 1
    promtool_check(prom)
