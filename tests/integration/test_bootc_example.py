"""The bootc example the docs show (issue 12, point 7) is built and scanned for real, so
the README, rootpin-bound-images(5) and the example cannot drift apart.

docs/examples/bootc/ is built with `podman build` exactly as written, FROM a small local
base (--build-arg BASE=...: Debian's static busybox for the shell, and the host's own
systemctl with its libraries, since a bootc base image cannot be pulled here), with
rootpin's install tree (`cmake --install` into rootpin-install/) in the build context.
RUN steps use buildah's chroot isolation: this machine's cgroup layout lets no OCI
runtime start a container.
The image's root is exported and read with quadlet-scan, as the man page tells an image
builder to check what an image binds.
"""
import json
import os
import re
import shutil
import subprocess
import tarfile

import pytest

import podman_leg
from build_tree import BUILD_DIR, SOURCE_DIR, cmake_cache, full_bindir, require_dirs

EXAMPLE = os.path.join(SOURCE_DIR, "docs/examples/bootc")
BUSYBOX = "/bin/busybox"
APPLETS = ("sh", "mkdir", "ln", "ls", "cat", "true")


def libraries(binary):
    """The shared objects `binary` loads, as (path as the loader names it, real file)."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        m = re.search(r"(/\S+) \(0x", line)
        if m:
            libs.append((m.group(1), os.path.realpath(m.group(1))))
    return libs


def make_base_tar(path):
    with tarfile.open(path, "w") as t:
        t.add(os.path.realpath(BUSYBOX), arcname="bin/busybox")
        for applet in APPLETS:
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            t.addfile(info)
        systemctl = shutil.which("systemctl")
        t.add(os.path.realpath(systemctl), arcname="usr/bin/systemctl")
        for name, real in libraries(systemctl):
            t.add(real, arcname=name.lstrip("/"))
        for d in ("etc/systemd/system", "usr/lib/systemd/system", "tmp", "var/tmp", "run"):
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            t.addfile(info)


@pytest.fixture(scope="module")
def built_root(tmp_path_factory):
    require_dirs()
    if not os.path.exists(BUSYBOX):
        pytest.fail("busybox-static is not installed (tools/bootstrap installs it)")
    tmp = str(tmp_path_factory.mktemp("bootc"))
    podman = ["podman", *podman_leg.store_args(os.path.join(tmp, "store"), os.path.join(tmp, "run"))]
    context = os.path.join(tmp, "context")
    shutil.copytree(EXAMPLE, context, symlinks=True)
    r = subprocess.run(["cmake", "--install", BUILD_DIR], capture_output=True, text=True,
                       env=dict(os.environ, DESTDIR=os.path.join(context, "rootpin-install")),
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    base_tar = os.path.join(tmp, "base.tar")
    make_base_tar(base_tar)
    rootfs = os.path.join(tmp, "rootfs")
    try:
        subprocess.run(podman + ["import", "-q", base_tar, "localhost/rootpin-test/base"],
                       check=True, capture_output=True)
        r = subprocess.run(podman + ["build", "--isolation=chroot", "--pull=never",
                                     "--build-arg", "BASE=localhost/rootpin-test/base",
                                     "-t", "localhost/rootpin-test/os", context],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
        subprocess.run(podman + ["create", "--name", "rootpin-example", "localhost/rootpin-test/os",
                                 "/bin/true"], check=True, capture_output=True)
        os.makedirs(rootfs)
        export = subprocess.Popen(podman + ["export", "rootpin-example"], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", rootfs], stdin=export.stdout, check=True)
        assert export.wait() == 0
        yield rootfs
    finally:
        subprocess.run(podman + ["rm", "-a", "-f"], capture_output=True)
        subprocess.run(podman + ["system", "reset", "-f"], capture_output=True)
        from cleanup import remove_tree
        remove_tree(tmp)


def test_the_built_image_binds_the_units_it_links(built_root, quadlet_scan_bin):
    r = subprocess.run([quadlet_scan_bin, "--root", built_root, "--json"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    units = {u["unit"]: u for u in map(json.loads, r.stdout.splitlines())}
    assert sorted(units) == ["logs.image", "web.container"]
    assert units["web.container"]["image"].startswith("quay.io/acme/web@sha256:")
    assert units["logs.image"]["image"].startswith("quay.io/acme/log-forwarder@sha256:")
    assert units["web.container"]["bound_by"] == "/usr/lib/bootc/bound-images.d/web.container"
    # Both units are written as the lint wants them: no warning.
    assert "warning" not in r.stderr, r.stderr
    plain = subprocess.run([quadlet_scan_bin, "--root", built_root], capture_output=True,
                           text=True, timeout=60).stdout.split()
    assert sorted(plain) == sorted(u["image"] for u in units.values())


def test_the_built_image_has_rootpin_installed_and_enabled(built_root):
    inside = lambda p: os.path.join(built_root, p.lstrip("/"))  # noqa: E731
    assert os.access(inside(os.path.join(full_bindir(), "rootpin")), os.X_OK)
    checkdir = cmake_cache("ROOTPIN_GREENBOOT_CHECKDIR")
    assert os.path.isfile(inside(f"{checkdir}/wanted.d/50_rootpin_images.sh"))
    wants = {"timers.target.wants/rootpin-upgrade.timer", "paths.target.wants/rootpin-bind.path"}
    for rel in wants:
        link = inside(f"/etc/systemd/system/{rel}")
        assert os.path.islink(link), f"{rel} is not enabled in the image"
    boot = [os.path.join(d, f) for d, _, fs in os.walk(inside("/etc/systemd/system"))
            for f in fs if f == "rootpin-boot.service"]
    assert boot, "rootpin-boot.service is not enabled in the image"


def normalize(text):
    return " ".join(text.replace("\\\n", " ").split())


def containerfile_lines():
    with open(os.path.join(EXAMPLE, "Containerfile")) as f:
        text = f.read()
    return [normalize(line) for line in re.split(r"(?<!\\)\n", text)
            if line.strip() and not line.startswith("#")]


def test_the_readme_shows_the_example_as_it_is_built():
    with open(os.path.join(SOURCE_DIR, "README.md")) as f:
        readme = f.read()
    blocks = re.findall(r"```dockerfile\n(.*?)```", readme, re.S)
    with open(os.path.join(EXAMPLE, "Containerfile")) as f:
        example = f.read()
    assert example in blocks, "README.md does not show docs/examples/bootc/Containerfile verbatim"
    for unit in os.listdir(os.path.join(EXAMPLE, "units")):
        with open(os.path.join(EXAMPLE, "units", unit)) as f:
            assert f.read() in readme or unit != "web.container", f"README.md does not show {unit}"


def test_the_man_page_shows_the_example_as_it_is_built():
    r = subprocess.run(["groff", "-man", "-Tascii", "-rLL=400n", "-P-cbou",
                        os.path.join(SOURCE_DIR, "man/rootpin-bound-images.5")],
                       capture_output=True, text=True, check=True, timeout=60)
    page = normalize(r.stdout)
    for line in containerfile_lines():
        assert line in page, f"rootpin-bound-images(5) lacks: {line}"
    with open(os.path.join(EXAMPLE, "units/web.container")) as f:
        for line in f.read().splitlines():
            if line.strip() and not line.startswith("#"):
                assert normalize(line) in page, f"rootpin-bound-images(5) lacks: {line}"
