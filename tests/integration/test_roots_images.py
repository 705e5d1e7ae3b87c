"""A unit that needs several images (issue 10): bind pulls and pins every one, the ledger
records each with its digest and the key that named it, status shows them, and gc keeps
them while the root lives."""
import json

import pytest

import ostree_fixture
from roots_env import image_unit

STORE = "GlobalArgs=--storage-opt=additionalimagestore=/var/lib/rootpin/storage\n"


@pytest.fixture(autouse=True)
def insecure_registry(roots, monkeypatch):
    # References in .container and YAML files carry no TLSVerify=: the host's
    # registries.conf marks the plain-HTTP test registry insecure, as a host would.
    for k, v in roots.pusher.env().items():
        monkeypatch.setenv(k, v)


def test_every_image_of_a_container_and_a_kube_is_pinned_and_recorded(roots):
    web = roots.push("acme/web", "1")
    assets = roots.push("acme/assets", "7")
    models = roots.push("acme/models", "2")
    etcd = roots.push("acme/etcd", "3")
    init = roots.push("acme/init", "1")
    units = {
        "web.container": f"[Container]\nImage={web}\n{STORE}"
                         f"Mount=type=image,source={assets},destination=/srv\n"
                         "Mount=type=image,source=models.image,destination=/models\n",
        "models.image": image_unit(models),
        "etcd.kube": "[Kube]\nYaml=etcd.yaml\n",
        "etcd.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd}\nspec:\n"
                     f"  initContainers: [{{name: init, image: '{init}'}}]\n"
                     f"  containers: [{{name: etcd, image: '{etcd}'}}]\n",
    }
    # Only the two units are bound; the .image and the YAML come with them.
    roots.repo, roots.sysroot = ostree_fixture.make_ostree(roots.tmp, "1.0", units,
                                                       ["web.container", "etcd.kube"])
    root = roots.sysroot.root_ids()[0]

    out = roots.rootpin("bind", check=0)
    assert f"bound {root}: 5 images (5 pulled, 0 already present)" in out.stdout, out.stdout
    assert roots.names() == sorted([web, assets, models, etcd, init])
    recorded = roots.ledger()["roots"][root]["images"]
    by_ref = {i["reference"]: i for i in recorded}
    assert set(by_ref) == {web, assets, models, etcd, init}
    assert all(i["digest"].startswith("sha256:") and len(i["image_id"]) == 64 for i in recorded)
    assert [(by_ref[r]["unit"], by_ref[r]["key"]) for r in (web, assets, models, etcd, init)] == [
        ("web.container", "Image"), ("web.container", "Mount"), ("web.container", "Mount"),
        ("etcd.kube", "Yaml"), ("etcd.kube", "Yaml")]
    assert by_ref[etcd]["named_at"] == "/usr/share/containers/systemd/etcd.yaml:6"

    status = roots.rootpin("status", check=0).stdout
    assert f"web.container Mount=  {assets}  {by_ref[assets]['digest']}" in status, status
    assert f"etcd.kube Yaml=  {etcd}" in status
    listed = json.loads(roots.rootpin("--json", "status", check=0).stdout)["roots"]
    assert len([i for i in listed[0]["images"] if i["unit"] == "web.container"]) == 3

    # The root is live: gc keeps all five; a second bind pulls nothing.
    roots.rootpin("gc", check=0)
    assert roots.names() == sorted([web, assets, models, etcd, init])
    again = roots.rootpin("bind", check=0)
    assert f"bound {root}: 5 images (0 pulled, 5 already present)" in again.stdout, again.stdout
