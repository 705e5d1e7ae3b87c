"""Which podman the integration tests run as every podman: the host's (Debian 12's 4.3),
or in the podman 5 leg (ROOTPIN_PODMAN_LEG=podman5: the ctest tests integration.podman5.*)
Debian 13's 5.4 from the chroot of podman5.py, which rootpin gets as --podman.

The conftest `tmp` fixture calls use(tmp) for each test; libraries and tests then take
podman() for their own podman calls and rootpin_args() for rootpin's command line.
"""
import os
import subprocess

LEG = os.environ.get("ROOTPIN_PODMAN_LEG", "host")
if LEG not in ("host", "podman5"):
    raise RuntimeError(f"ROOTPIN_PODMAN_LEG={LEG}: not host or podman5")

_podman = "podman"
_checked = False


def use(workdir):
    """Selects the podman of this leg for a test whose temp dir is workdir."""
    global _podman, _checked
    if LEG != "podman5":
        return _podman
    import podman5
    _podman = podman5.wrapper(workdir)
    if not _checked:  # once per process: this leg really runs podman 5
        out = subprocess.run([_podman, "--version"], capture_output=True, text=True).stdout
        assert out.startswith("podman version 5."), f"{_podman} --version: {out!r}"
        _checked = True
    return _podman


def podman():
    return _podman


def store_argv(store, runroot):
    """This leg's podman on a test's own store: --tmpdir too, as rootpin passes it, since
    podman's default tmpdir /run/libpod (its "alive" boot marker, events, exit files) would
    be shared by every test running at once and by the host's own podman."""
    return [_podman, *store_args(store, runroot)]


def store_args(store, runroot):
    return ["--root", store, "--runroot", runroot, "--tmpdir", os.path.join(runroot, "libpod")]


def booted_binds():
    """{path: same host path} that a namespace of a test's own (lib/booted.py) must bind for
    this leg's podman to run in it: the podman 5 chroot (its wrapper and podman5-enter are
    in the test's temp dir and the source tree, which such namespaces already see)."""
    if LEG != "podman5":
        return {}
    import podman5
    path = podman5.chroot_dir()
    return {path: path}


def rootpin_args():
    """Global options that make rootpin run this leg's podman."""
    return ["--podman", _podman] if LEG == "podman5" else []


def wrapper(path, script):
    """A podman for rootpin's --podman that first runs `script` (sh; the arguments are "$@")
    and then this leg's podman: fault injection at a chosen podman call."""
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\n{script}\nexec {_podman} "$@"\n')
    os.chmod(path, 0o700)
    return path
