"""Facts about the build tree the integration tests run against (set by ctest)."""
import os
import re

SOURCE_DIR = os.environ.get("ROOTPIN_SOURCE_DIR", "")
BUILD_DIR = os.environ.get("ROOTPIN_BUILD_DIR", "")
# Absolute, because man pages are symlinked from temporary directories.
SOURCE_DIR = SOURCE_DIR and os.path.abspath(SOURCE_DIR)
BUILD_DIR = BUILD_DIR and os.path.abspath(BUILD_DIR)

UNIT_NAMES = ("rootpin-upgrade.service", "rootpin-upgrade.timer", "rootpin-bind.path",
              "rootpin-bind.service", "rootpin-boot.service")
MAN_PAGES = ("rootpin.8", "quadlet-scan.1", "rootpin.conf.5", "rootpin-bound-images.5")


def require_dirs():
    assert SOURCE_DIR and os.path.isdir(SOURCE_DIR), "ROOTPIN_SOURCE_DIR not set (run through ctest)"
    assert BUILD_DIR and os.path.isdir(BUILD_DIR), "ROOTPIN_BUILD_DIR not set (run through ctest)"


def cmake_cache(key):
    """The value of KEY in the build dir's CMakeCache.txt."""
    with open(os.path.join(BUILD_DIR, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(rf"^{re.escape(key)}:[A-Z]+=(.*)$", line.rstrip("\n"))
            if m:
                return m.group(1)
    raise KeyError(f"{key} not in CMakeCache.txt")


def install_prefix():
    return cmake_cache("CMAKE_INSTALL_PREFIX")


def full_install_dir(var, default):
    """A GNUInstallDirs directory, absolute. Some (MANDIR) are cached empty and only get
    their default as a normal variable, so an empty value means the default."""
    try:
        d = cmake_cache(var) or default
    except KeyError:
        d = default
    return d if d.startswith("/") else os.path.join(install_prefix(), d)


def full_bindir():
    return full_install_dir("CMAKE_INSTALL_BINDIR", "bin")


def full_mandir():
    return full_install_dir("CMAKE_INSTALL_MANDIR", "share/man")


def configured_unit(name):
    return os.path.join(BUILD_DIR, "units", name)


def man_source(page):
    return os.path.join(SOURCE_DIR, "man", page)


def make_manpath(directory):
    """A man hierarchy (manN/page.N) of the source pages, for `man -M` and MANPATH."""
    for page in MAN_PAGES:
        section = page.rsplit(".", 1)[1]
        os.makedirs(os.path.join(directory, "man" + section), exist_ok=True)
        os.symlink(man_source(page), os.path.join(directory, "man" + section, page))
    return directory


def unit_settings(path):
    """[(section, key, value)] of a unit file; enough for our own simple units."""
    out, section = [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            key, _, value = line.partition("=")
            out.append((section, key.strip(), value.strip()))
    return out
