"""quadlet-scan as a process: plain and JSON output, exit codes, --all vs --bound."""
import json
import os
import subprocess

SHARE = "usr/share/containers/systemd"
BOUND = "usr/lib/rootpin/bound-images.d"
STORE = "GlobalArgs=--storage-opt=additionalimagestore=/var/lib/rootpin/storage\n"


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def bind(root, name):
    os.makedirs(os.path.join(root, BOUND), exist_ok=True)
    os.symlink(f"/{SHARE}/{name}", os.path.join(root, BOUND, name))


def make_root(tmp):
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "etc"))
    write(root, f"{SHARE}/web.container", f"[Container]\nImage=quay.io/acme/web:1.4\n{STORE}")
    write(root, f"{SHARE}/web2.container", f"[Container]\nImage=quay.io/acme/web:1.4\n{STORE}")
    write(root, f"{SHARE}/db.container", f"[Container]\nImage=db.image\n{STORE}")
    write(root, f"{SHARE}/db.image",
          "[Image]\nImage=quay.io/acme/db:2\nPolicy=missing\nTLSVerify=false\nRetry=3\n")
    write(root, f"{SHARE}/idle.container", f"[Container]\nImage=quay.io/acme/idle:1\n{STORE}")
    for name in ("web.container", "web2.container", "db.container"):
        bind(root, name)
    return root


def run(bin_, *args):
    return subprocess.run([bin_, *args], capture_output=True, text=True, timeout=60)


def test_plain_output_lists_each_bound_reference_once(quadlet_scan_bin, tmp):
    root = make_root(tmp)
    p = run(quadlet_scan_bin, "--root", root)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["quay.io/acme/db:2", "quay.io/acme/web:1.4"]
    # The floating tags are linted on stderr, with file and line.
    assert f"quadlet-scan: /{SHARE}/web.container:2: " in p.stderr
    explicit = run(quadlet_scan_bin, "--root", root, "--bound")
    assert explicit.stdout == p.stdout


def test_all_lists_every_unit(quadlet_scan_bin, tmp):
    root = make_root(tmp)
    p = run(quadlet_scan_bin, "--root", root, "--all")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["quay.io/acme/db:2", "quay.io/acme/idle:1",
                                     "quay.io/acme/web:1.4"]
    assert run(quadlet_scan_bin, "--root", root, "--all", "--bound").returncode == 2


def test_json_lines(quadlet_scan_bin, tmp):
    root = make_root(tmp)
    write(root, f"{SHARE}/app.build", "[Build]\nImageTag=localhost/app\n")
    bind(root, "app.build")
    p = run(quadlet_scan_bin, "--root", root, "--json")
    assert p.returncode == 0, p.stderr
    objs = [json.loads(line) for line in p.stdout.splitlines()]
    by_unit = {o["unit"]: o for o in objs}
    assert sorted(by_unit) == ["app.build", "db.container", "web.container", "web2.container"]
    assert by_unit["app.build"] == {"unit": "app.build", "built_locally": "localhost/app"}
    db = by_unit["db.container"]
    assert db["source"] == f"/{SHARE}/db.container"
    assert db["bound_by"] == f"/{BOUND}/db.container"
    assert db["image"] == "quay.io/acme/db:2"
    assert db["pull"] == {"tls_verify": False, "retry": 3, "policy": "missing"}
    assert "image_tag" not in db and "error" not in db


def test_unit_errors_exit_1_and_others_still_print(quadlet_scan_bin, tmp):
    root = make_root(tmp)
    write(root, f"{SHARE}/bad.container", "[Container]\n\nImage=-evil\n")
    bind(root, "bad.container")
    os.mkfifo(os.path.join(root, "fifo.container"))
    os.symlink("/fifo.container", os.path.join(root, BOUND, "fifo.container"))
    p = run(quadlet_scan_bin, "--root", root)
    assert p.returncode == 1
    assert p.stdout.splitlines() == ["quay.io/acme/db:2", "quay.io/acme/web:1.4"]
    assert f"quadlet-scan: /{SHARE}/bad.container:3: " in p.stderr
    assert "quadlet-scan: /fifo.container: " in p.stderr

    j = run(quadlet_scan_bin, "--root", root, "--json")
    assert j.returncode == 1
    objs = {o["unit"]: o for o in map(json.loads, j.stdout.splitlines())}
    bad = objs["bad.container"]
    assert set(bad) == {"unit", "source", "error", "line"}
    assert bad["line"] == 3
    assert "error" in objs["fifo.container"]
    assert objs["web.container"]["image"] == "quay.io/acme/web:1.4"


def test_usage_and_unreadable_root_exit_2(quadlet_scan_bin, tmp):
    missing = run(quadlet_scan_bin, "--root", os.path.join(tmp, "no-such-root"))
    assert missing.returncode == 2
    assert "no-such-root" in missing.stderr
    assert run(quadlet_scan_bin, "--no-such-flag").returncode == 2
    assert run(quadlet_scan_bin, "--help").returncode == 0


def test_store_option_drives_the_lint(quadlet_scan_bin, tmp):
    root = make_root(tmp)
    p = run(quadlet_scan_bin, "--root", root, "--store", "/srv/other-store")
    assert p.returncode == 0
    assert "additionalimagestore=/srv/other-store" in p.stderr
    default = run(quadlet_scan_bin, "--root", root)
    assert "additionalimagestore" not in default.stderr


def test_pin_mode_system_emits_no_store_lint(quadlet_scan_bin, tmp):
    root = make_root(tmp)
    write(root, f"{SHARE}/bare.container", "[Container]\nImage=quay.io/acme/bare:1\n")
    bind(root, "bare.container")
    write(root, f"{SHARE}/shelf.container", "[Container]\nImage=quay.io/acme/web:1.4\n" + STORE +
          "Mount=type=image,source=quay.io/acme/assets:7,destination=/srv\n")
    bind(root, "shelf.container")
    default = run(quadlet_scan_bin, "--root", root)
    system = run(quadlet_scan_bin, "--root", root, "--pin-mode", "system")
    assert system.returncode == 0, system.stderr
    assert system.stdout == default.stdout
    assert "bare.container: does not read rootpin's store" in default.stderr
    assert "cannot mount an image that is in an additional image store" in default.stderr
    assert "additionalimagestore" not in system.stderr
    assert "rootpin's store" not in system.stderr
    assert "additional image store" not in system.stderr
    both = run(quadlet_scan_bin, "--root", root, "--pin-mode", "system", "--store", "/srv/s")
    assert both.returncode == 2
    bad = run(quadlet_scan_bin, "--root", root, "--pin-mode", "usr")
    assert bad.returncode == 2 and "usr" in bad.stderr


def test_every_image_of_a_unit_once_and_per_unit_in_json(quadlet_scan_bin, tmp):
    root = make_root(tmp)
    write(root, f"{SHARE}/app.container",
          "[Container]\nImage=quay.io/acme/web:1.4\n" + STORE +
          "Mount=type=image,source=quay.io/acme/assets:7,destination=/srv\n"
          "Mount=type=image,source=db.image,destination=/db\n")
    write(root, f"{SHARE}/etcd.kube", "[Kube]\nYaml=etcd.yaml\n")
    write(root, f"{SHARE}/etcd.yaml",
          "kind: Pod\nspec:\n  containers:\n  - name: etcd\n    image: quay.io/coreos/etcd:3\n"
          "  - name: web\n    image: quay.io/acme/web:1.4\n")
    bind(root, "app.container")
    bind(root, "etcd.kube")
    p = run(quadlet_scan_bin, "--root", root)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["quay.io/acme/web:1.4", "quay.io/acme/assets:7",
                                     "quay.io/acme/db:2", "quay.io/coreos/etcd:3"]
    j = run(quadlet_scan_bin, "--root", root, "--json")
    objs = {o["unit"]: o for o in map(json.loads, j.stdout.splitlines())}
    app = objs["app.container"]
    assert app["image"] == "quay.io/acme/web:1.4"
    assert [(i["image"], i["key"], i["line"]) for i in app["images"]] == [
        ("quay.io/acme/web:1.4", "Image", 2), ("quay.io/acme/assets:7", "Mount", 4),
        ("quay.io/acme/db:2", "Mount", 5)]
    assert app["images"][2]["via"] == "db.image"
    assert app["images"][2]["pull"] == {"tls_verify": False, "retry": 3, "policy": "missing"}
    etcd = objs["etcd.kube"]
    assert [(i["image"], i["file"], i["line"]) for i in etcd["images"]] == [
        ("quay.io/coreos/etcd:3", f"/{SHARE}/etcd.yaml", 5),
        ("quay.io/acme/web:1.4", f"/{SHARE}/etcd.yaml", 7)]

    write(root, f"{SHARE}/etcd.yaml", "kind: Pod\nspec:\n  containers: [\n")
    bad = run(quadlet_scan_bin, "--root", root)
    assert bad.returncode == 1
    assert f"quadlet-scan: /{SHARE}/etcd.yaml:" in bad.stderr
