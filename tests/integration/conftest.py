"""Shared pytest fixtures for the integration tests.

Every test gets its own temporary directory (sysroot, state dir, store, runroot,
registry data) and it is removed afterwards, including the immutable bits ostree sets
on deployment directories.

The environments the test files share, by one name each:
  roots    an ostree test sysroot, a registry and rootpin on them (lib/roots_env.Env)
  pins     a registry, an image pusher and rootpin with its own state dir, store and
           config dir, no sysroot: pins.tmp, pins.reg, pins.images, pins.rp
  pinned   pins with acme/base:1 already pinned (a real ledger to keep unchanged)
"""
import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))

import podman_leg  # noqa: E402  (after the path change)
import private_shm  # noqa: E402
from cleanup import remove_tree  # noqa: E402,F401  (tests and libraries import it from here too)

ROOTPIN_BIN = os.environ.get("ROOTPIN_BIN", "")
QUADLET_SCAN_BIN = os.environ.get("QUADLET_SCAN_BIN", "")
SOURCE_DIR = os.environ.get("ROOTPIN_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def pytest_configure(config):
    # podman's container locks live in /dev/shm, one segment for the whole machine:
    # each test process gets its own (lib/private_shm.py says why).
    private_shm.enter()


@pytest.fixture
def tmp(request):
    """A private temp dir for one test, removed afterwards. In the podman 5 leg it also holds
    the podman wrapper (podman_leg), so /tmp is where the chroot sees it."""
    path = tempfile.mkdtemp(prefix="rootpin-test-",
                            dir="/tmp" if podman_leg.LEG == "podman5" else None)
    podman_leg.use(path)
    yield path
    remove_tree(path)


@pytest.fixture
def rootpin_bin():
    assert ROOTPIN_BIN and os.access(ROOTPIN_BIN, os.X_OK), "ROOTPIN_BIN not set (run through ctest)"
    return ROOTPIN_BIN


@pytest.fixture
def quadlet_scan_bin():
    assert QUADLET_SCAN_BIN and os.access(QUADLET_SCAN_BIN, os.X_OK), \
        "QUADLET_SCAN_BIN not set (run through ctest)"
    return QUADLET_SCAN_BIN


@dataclass
class Pins:
    tmp: str
    reg: Any     # registry.Registry
    images: Any  # images.Images
    rp: Any      # rootpin.Rootpin


@pytest.fixture
def pins(tmp, rootpin_bin):
    from images import Images
    from registry import Registry
    from rootpin import Rootpin
    with Registry(tmp) as reg:
        images = Images(tmp, reg)
        # rootpin logs to stderr as it would on a terminal (Rootpin drops the journal's
        # variables); the tests read its messages there.
        rp = Rootpin(rootpin_bin, tmp, env={**images.env(), "ROOTPIN_LOG": "stderr"})
        yield Pins(tmp, reg, images, rp)


@pytest.fixture
def pinned(pins):
    pins.rp.run("pin", pins.images.push("acme/base", "1"), check=True)
    return pins


@pytest.fixture
def roots(rootpin_bin, tmp):
    from roots_env import Env
    e = Env(rootpin_bin, tmp)
    yield e
    e.close()
