"""`cmake --install` puts the binaries, the units and the man pages where a host expects
them, and the units run the binary that was installed."""
import filecmp
import os
import re
import stat
import subprocess

import pytest

from build_tree import (BUILD_DIR, MAN_PAGES, SOURCE_DIR, UNIT_NAMES, cmake_cache,
                        configured_unit, full_bindir, full_mandir, install_prefix,
                        require_dirs)


@pytest.fixture
def destdir(tmp):
    require_dirs()
    d = os.path.join(tmp, "dest")
    r = subprocess.run(["cmake", "--install", BUILD_DIR], capture_output=True, text=True,
                       env=dict(os.environ, DESTDIR=d), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return d


def under(destdir, path):
    return os.path.join(destdir, path.lstrip("/"))


def is_executable_file(path):
    st = os.stat(path)
    return stat.S_ISREG(st.st_mode) and st.st_mode & 0o111 == 0o111


def test_binaries_are_installed(destdir, rootpin_bin, quadlet_scan_bin):
    for built in (rootpin_bin, quadlet_scan_bin):
        installed = under(destdir, os.path.join(full_bindir(), os.path.basename(built)))
        assert os.path.exists(installed), f"{installed} not installed"
        assert is_executable_file(installed)
        assert filecmp.cmp(built, installed, shallow=False)


def test_units_are_installed_and_run_the_installed_binary(destdir):
    unitdir = under(destdir, cmake_cache("ROOTPIN_SYSTEMD_UNITDIR"))
    assert sorted(os.listdir(unitdir)) == sorted(UNIT_NAMES)
    for name in UNIT_NAMES:
        path = os.path.join(unitdir, name)
        assert filecmp.cmp(configured_unit(name), path, shallow=False)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644, f"{name} mode"
        with open(path) as f:
            for binary in re.findall(r"^ExecStart=(\S+)", f.read(), re.M):
                assert binary == os.path.join(full_bindir(), "rootpin")
                assert is_executable_file(under(destdir, binary)), f"{name}: {binary} not installed"


def test_man_pages_are_installed_where_man_finds_them(destdir):
    mandir = under(destdir, full_mandir())
    for page in MAN_PAGES:
        name, section = page.rsplit(".", 1)
        r = subprocess.run(["man", "-M", mandir, "-w", section, name], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, f"man -M {mandir} -w {section} {name}: {r.stderr}"
        assert r.stdout.strip() == os.path.join(mandir, "man" + section, page)
        assert filecmp.cmp(os.path.join(SOURCE_DIR, "man", page), r.stdout.strip(), shallow=False)


def test_nothing_is_installed_outside_the_prefix_and_the_unit_dir(destdir):
    allowed = [under(destdir, install_prefix()), under(destdir, cmake_cache("ROOTPIN_SYSTEMD_UNITDIR"))]
    for top, _dirs, files in os.walk(destdir):
        for f in files:
            path = os.path.join(top, f)
            assert any(path.startswith(a + "/") for a in allowed), f"{path} installed outside"


def test_units_follow_the_configured_prefix(tmp):
    # Configure only (no build) with a distribution's prefix: the units must name /usr/bin.
    require_dirs()
    build = os.path.join(tmp, "build-usr")
    r = subprocess.run(["cmake", "-S", SOURCE_DIR, "-B", build, "-DCMAKE_INSTALL_PREFIX=/usr",
                        "-DBUILD_TESTING=OFF"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    for name in UNIT_NAMES:
        with open(os.path.join(build, "units", name)) as f:
            text = f.read()
        for binary in re.findall(r"^ExecStart=(\S+)", text, re.M):
            assert binary == "/usr/bin/rootpin", f"{name}: {binary}"
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        assert "ROOTPIN_SYSTEMD_UNITDIR:PATH=/usr/lib/systemd/system\n" in f.read()
