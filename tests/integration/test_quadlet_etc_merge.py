"""A staged root's /etc as ostree's finalization will merge it (issue 10), judged by
ostree itself: on a sysroot that is not booted, `ostree admin deploy` merges the merge
deployment's /etc changes into the new deployment right away (sysroot_finalize_deployment,
the same merge_configuration_from a staged deployment gets at shutdown). quadlet-scan
--etc-from over the new commit's tree before any merge (its /usr only) must see exactly
what quadlet-scan sees in the /etc ostree wrote.
"""
import json
import os
import shutil
import stat
import subprocess

import ostree_fixture

ETC = "usr/etc/containers/systemd"


def image(ref):
    return f"[Image]\nImage={ref}\nPolicy=missing\n"


def container(ref):
    return ostree_fixture.container_unit("", ref)


def shipped(version):
    """What each commit puts in /usr/etc/containers/systemd."""
    return {
        f"{ETC}/web.container": container(f"quay.io/acme/web:{version}"),
        f"{ETC}/gone.container": container(f"quay.io/acme/gone:{version}"),
        f"{ETC}/same.image": image(f"quay.io/acme/same:{version}"),
        f"{ETC}/chmod.image": image(f"quay.io/acme/chmod:{version}"),
        f"{ETC}/db.container": container(f"quay.io/acme/db:{version}"),
        f"{ETC}/db.container.d/10-shipped.conf": f"[Container]\nImage=quay.io/acme/db:dropin-{version}\n",
        f"{ETC}/team/svc.container": container(f"quay.io/acme/svc:{version}"),
        f"{ETC}/asdir": "a file in /usr/etc, a directory in /etc\n",
        "usr/share/containers/systemd/linked.container": container(f"quay.io/acme/linked:{version}"),
        "usr/lib/rootpin/rootpin.conf": "[Bind]\nAll=yes\n",
    }


def admin_edits(etc):
    """What an admin did to the booted /etc/containers/systemd."""
    def write(rel, text):
        path = os.path.join(etc, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    write("web.container", container("quay.io/acme/web:admin"))  # modified
    os.remove(os.path.join(etc, "gone.container"))  # deleted
    write("mine.container", container("quay.io/acme/mine:1"))  # added
    write("same.image.d/50-admin.conf", "[Image]\nImage=quay.io/acme/same:dropin\n")  # drop-in
    shutil.rmtree(os.path.join(etc, "db.container.d"))  # a shipped drop-in directory
    os.chmod(os.path.join(etc, "chmod.image"), stat.S_IRUSR | stat.S_IWUSR)  # mode only
    write("team/extra/deep.container", container("quay.io/acme/deep:1"))  # subdirectory
    os.symlink("/usr/share/containers/systemd/linked.container", os.path.join(etc, "ln.container"))
    os.symlink("/dev/null", os.path.join(etc, "masked.container"))
    os.remove(os.path.join(etc, "asdir"))
    write("asdir/inside.container", container("quay.io/acme/inside:1"))


def scan(bin, root, *extra):
    proc = subprocess.run([bin, "--all", "--json", "--root", root, *extra],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def deployment_dir(sysroot, root_id):
    osname, rest = root_id.split("/", 1)
    return os.path.join(sysroot.path, "ostree/deploy", osname, "deploy", rest)


def test_etc_from_matches_the_etc_ostree_merges(tmp, quadlet_scan_bin):
    repo, sysroot = ostree_fixture.make_ostree(tmp, "1.0", files=shipped("1"))
    try:
        old_id = sysroot.root_ids()[0]
        old = deployment_dir(sysroot, old_id)
        admin_edits(os.path.join(old, "etc/containers/systemd"))

        repo.commit("2.0", files=shipped("2"))
        sysroot.deploy()  # merges old's /etc changes into the new deployment now
        assert sysroot.root_ids()[1] == old_id
        new = deployment_dir(sysroot, sysroot.root_ids()[0])

        # The new commit's tree as it was before the merge: its /usr, no /etc.
        tree = os.path.join(tmp, "tree")
        os.makedirs(tree)
        subprocess.run(["cp", "-a", os.path.join(new, "usr"), tree], check=True)

        merged = scan(quadlet_scan_bin, new)
        predicted = scan(quadlet_scan_bin, tree, "--etc-from", old)
        assert predicted == merged

        by_unit = {u["unit"]: u for u in merged}
        assert by_unit["web.container"]["image"] == "quay.io/acme/web:admin"
        assert "gone.container" not in by_unit
        assert by_unit["mine.container"]["image"] == "quay.io/acme/mine:1"
        assert by_unit["same.image"]["image"] == "quay.io/acme/same:dropin"
        assert by_unit["chmod.image"]["image"] == "quay.io/acme/chmod:1"  # the admin's copy
        assert by_unit["db.container"]["image"] == "quay.io/acme/db:2"
        assert by_unit["svc.container"]["image"] == "quay.io/acme/svc:2"
        assert by_unit["deep.container"]["image"] == "quay.io/acme/deep:1"
        assert by_unit["ln.container"]["image"] == "quay.io/acme/linked:2"
        assert by_unit["inside.container"]["image"] == "quay.io/acme/inside:1"
        assert "masked.container" not in by_unit

        # Without --etc-from the tree reads only the new /usr/etc.
        plain = {u["unit"]: u for u in scan(quadlet_scan_bin, tree)}
        assert plain["web.container"]["image"] == "quay.io/acme/web:2"
        assert "gone.container" in plain and "mine.container" not in plain
    finally:
        repo.stop()
