"""The whole story on a really booted host (issue 14), one VM, scenarios in order:

1. boot v1; rootpin binds the booted root; its two containers run from rootpin's store;
   the image a third one mounts (Mount=type=image) is pinned too, but podman 5.4 cannot
   mount it from rootpin's store, as quadlet-scan's lint says
2. another tool stages v2 (`ostree admin deploy --stage`): rootpin-bind.path binds it
3. registry stopped, reboot: ostree finalizes v2 at shutdown, v2's containers run offline
4. v3 names an image the registry lacks: the bind fails, the next boot is v2 again
5. rollback to v1 with a floating tag moved since: v1's container runs v1's digest
6. rootpin-upgrade.service pulls v4 from the ostree remote, stages and binds it; it boots
8. the .image trap: a .container naming foo.image fails offline although foo is pinned
9. pin mode system: the unit of scenario 1 without GlobalArgs= mounts its image offline

Each is asserted inside the guest (the direct facts, and `rootpin check`) and on the disk
after shutdown (BLS entries, ledger).
"""
import json

from conftest import GUEST_REGISTRY, timed
from helpers import (AIS, ROOT_BOUND, UPGRADE_STAGED, STORE, assert_check, assert_running, boot,
                     bound, container_unit, default_commit, guest_ledger, hello, journal,
                     ledger_root, push_v1, reboot, stage_from_remote, unit_start,
                     wait_bind_idle, wait_unit_ran)

state = {}

def test_1_boot_v1_bind_booted_root_containers_run(host):
    vm = host.vm
    v1 = push_v1(host.images)
    state["d_web_v1"] = v1["web"]
    with timed("scenario 1: first boot"):
        vm.boot()
    vm.run("test -e /run/ostree-booted && grep -q ostree= /proc/cmdline")
    assert vm.run("stat -fc %T /sys/fs/cgroup").strip() == "cgroup2fs"
    status = vm.run("ostree admin status")
    assert f"* debian {host.info['commit']}.0" in status, status
    with timed("scenario 1: bind + containers"):
        # As an admin or an image build would: bind the booted root, then the containers
        # (Pull=never, so they could not start before) start from rootpin's store.
        vm.run("rootpin bind --deployment 0", timeout=600)
        vm.run("systemctl restart web.service log.service", timeout=300)
    assert_running(vm, ["web", "log"])
    assert hello(vm, "web") == "web v1"
    assert hello(vm, "log") == "log v1"
    # The host's own store has no image: they came from rootpin's.
    assert vm.run("podman images -q").strip() == ""
    digests = vm.run(f"podman {STORE} images --digests --format '{{{{.Digest}}}}'").split()
    assert set(v1.values()) <= set(digests), (v1, digests)
    rec = ledger_root(guest_ledger(vm), host.info["commit"])
    recorded = {i["reference"]: i["digest"] for i in rec["images"]}
    assert recorded[f"{GUEST_REGISTRY}/acme/data:1"] == v1["data"], recorded
    inspect = json.loads(vm.run(f"{AIS} inspect web"))
    assert inspect[0]["ImageDigest"] == state["d_web_v1"]
    assert_check(vm)
    image_mount_from_the_store_fails(vm)


def image_mount_from_the_store_fails(vm):
    """shelf.container mounts data:1 (Mount=type=image, quadlet's --mount type=image). rootpin
    pinned it (above), but containers/storage mounts only its own store's layers: podman
    5.4 refuses an additional image store's, so the container fails, and the lint says so."""
    unit = "/usr/share/containers/systemd/shelf.container"
    assert "--mount type=image,source=" in vm.run("systemctl cat shelf.service")
    rc, _ = vm.run("systemctl start shelf.service", check=False, timeout=300)
    assert rc != 0
    why = vm.run("journalctl -b -u shelf.service --no-pager")
    assert "mounting read/only store images is not allowed" in why, why
    lint = " ".join(vm.run("quadlet-scan --root / 2>&1 >/dev/null", check=False)[1].split())
    assert (f"{unit}:11: podman 5.4 cannot mount an image that is in an additional image "
            "store") in lint, lint
    assert "PinMode=system" in lint, lint


def test_2_staged_by_another_tool_bound_by_path_unit(host):
    vm = host.vm
    # web:1 moves in the registry (scenario 5 rolls back over it); v2 binds a new image too,
    # large enough that the bind takes a while.
    state["d_web_v2"] = host.images.push("acme/web", "1", "web v2")
    state["d_metrics"] = host.images.push("acme/metrics", "1", "metrics v2", size=16 << 20)
    unit = container_unit("metrics", f"{GUEST_REGISTRY}/acme/metrics:1")
    state["v2"] = host.repo.commit(2, {"/usr/share/containers/systemd/metrics.container": unit},
                                   bound("metrics.container"))
    # rootpin makes no registry request for a tag its store has (by design), and puts back
    # a tag removed behind its back before it plans, so v2 would get v1's digest for
    # web:1. For v2 to pull the moved tag, v1's image is removed from the store behind
    # rootpin's back (podman rmi): the bind pulls the tag for v2, and pulls v1's image
    # again by its recorded digest, as it repairs every hold.
    vm.run(f"podman {STORE} rmi --force {GUEST_REGISTRY}/acme/web:1")
    # podman creates /etc/containers/networks on its first run; make rootpin-bind.service's
    # podman the first (ProtectSystem=full makes /etc read-only in its sandbox).
    vm.run("rm -rf /etc/containers/networks")
    before = unit_start(vm, "rootpin-bind.service")
    vm.run("nohup bash -c 'while :; do [ -e /run/ostree/staged-deployment-locked ] && echo L || "
           "echo -; sleep 0.05; done' >/run/lockwatch 2>&1 </dev/null & echo $! >/run/lockwatch.pid")
    with timed("scenario 2: stage v2 + bind by rootpin-bind.path"):
        stage_from_remote(vm)
        assert wait_unit_ran(vm, "rootpin-bind.service", before) == ("inactive", "success")
    vm.run("kill $(cat /run/lockwatch.pid)")
    seen = vm.run("uniq /run/lockwatch").split()
    # The lock appeared while the images were pulled and is gone since the bind succeeded.
    assert "L" in seen and seen[-1] == "-", seen
    vm.run("test ! -e /run/ostree/staged-deployment-locked")
    assert f"debian {state['v2']}" in vm.run("ostree admin status")
    ledger = guest_ledger(vm)
    rec = ledger_root(ledger, state["v2"])
    assert rec is not None, ledger
    digests = {i["reference"]: i["digest"] for i in rec["images"]}
    assert digests[f"{GUEST_REGISTRY}/acme/web:1"] == state["d_web_v2"]
    assert digests[f"{GUEST_REGISTRY}/acme/metrics:1"] == state["d_metrics"]
    present = vm.run(f"podman {STORE} images --digests --format '{{{{.Digest}}}}'").split()
    assert state["d_web_v1"] in present, present  # v1's image, pulled again
    bound_events = journal(vm, f"MESSAGE_ID={ROOT_BOUND} _SYSTEMD_UNIT=rootpin-bind.service")
    assert any(state["v2"] in e.get("ROOTPIN_ROOT", "") for e in bound_events), bound_events
    assert_check(vm)
    # (image-pinned is the event of `rootpin pin`; a bind logs root-bound.)


def test_3_registry_down_reboot_runs_v2_containers_offline(host):
    vm = host.vm
    reboot(host, registry_up=False)
    # On the disk: ostree-finalize-staged ran at shutdown, v2 is the default entry, and
    # the ledger that got there records v2's digests.
    assert default_commit(host) == state["v2"]
    rec = ledger_root(host.ledger_on_disk(), state["v2"])
    refs = {i["reference"].rsplit("/", 2)[-2] + "/" + i["reference"].rsplit("/", 1)[-1]
            for i in rec["images"]} if rec else set()
    assert refs == {"acme/web:1", "acme/log:1", "acme/data:1", "acme/metrics:1"}, rec
    boot(host)
    assert f"* debian {state['v2']}" in vm.run("ostree admin status")
    assert vm.run("systemctl show -p Result --value rootpin-boot.service").strip() == "success"
    booted = int(vm.run("systemctl show -p ActiveEnterTimestampMonotonic --value "
                        "rootpin-boot.service"))
    for name in ("web", "log", "metrics"):
        started = int(unit_start(vm, f"{name}.service"))
        assert 0 < booted <= started, (name, booted, started)
    assert_running(vm, ["web", "log", "metrics"])
    assert hello(vm, "web") == "web v2"
    assert hello(vm, "metrics") == "metrics v2"
    assert_check(vm, booted=True)
    assert_check(vm)
    # rootpin-boot.service's podman runs first on a host whose /etc lacks its network dir.
    vm.run("rm -rf /etc/containers/networks && systemctl restart rootpin-boot.service")
    assert vm.run("podman images -q").strip() == ""
    rc, out = vm.run(f"timeout 120 podman pull {GUEST_REGISTRY}/acme/web:1", check=False,
                     timeout=150)
    assert rc != 0, out  # the registry is unreachable


def test_4_failed_bind_keeps_the_old_root(host):
    vm = host.vm
    host.registry.start()
    unit = container_unit("bad", f"{GUEST_REGISTRY}/acme/missing:1")
    state["v3"] = host.repo.commit(3, {"/usr/share/containers/systemd/bad.container": unit},
                                   bound("bad.container"))
    before = unit_start(vm, "rootpin-bind.service")
    with timed("scenario 4: stage v3 + failed bind"):
        stage_from_remote(vm)
        active, result = wait_unit_ran(vm, "rootpin-bind.service", before)
    assert active == "failed" and result == "exit-code", (active, result)
    vm.run("test -e /run/ostree/staged-deployment-locked")
    assert f"debian {state['v3']}" in vm.run("ostree admin status")
    assert "acme/missing" in vm.run("journalctl -b -u rootpin-bind.service --no-pager")
    reboot(host, registry_up=True)
    assert default_commit(host) == state["v2"]
    assert ledger_root(host.ledger_on_disk(), state["v3"]) is None
    boot(host)
    status = vm.run("ostree admin status")
    assert f"* debian {state['v2']}" in status and state["v3"] not in status, status
    assert_running(vm, ["web", "log", "metrics"])
    assert_check(vm)


def test_5_rollback_repoints_the_floating_tag(host):
    vm = host.vm
    # v1 is the rollback deployment now; make it the default, as a rollback does.
    vm.run("ostree admin set-default 1 || ostree admin rollback", timeout=300)
    reboot(host, registry_up=False)
    assert default_commit(host) == host.info["commit"]
    boot(host)
    assert f"* debian {host.info['commit']}" in vm.run("ostree admin status")
    assert_running(vm, ["web", "log"])
    # rootpin boot pointed web:1 back at the digest v1 was bound with.
    assert hello(vm, "web") == "web v1"
    assert json.loads(vm.run(f"{AIS} inspect web"))[0]["ImageDigest"] == state["d_web_v1"]
    tagged = vm.run(f"podman {STORE} image inspect --format '{{{{.Digest}}}}' "
                    f"{GUEST_REGISTRY}/acme/web:1").strip()
    assert tagged == state["d_web_v1"]
    assert_check(vm)


ETCD_IMAGE = f"[Image]\nImage={GUEST_REGISTRY}/acme/etcd:1\n"


def test_6_upgrade_from_the_timer_service(host):
    vm = host.vm
    host.registry.start()
    state["d_etcd"] = host.images.push("acme/etcd", "1", "etcd v4")
    files = {"/usr/share/containers/systemd/etcd.image": ETCD_IMAGE,
             "/usr/share/containers/systemd/etcd.container": container_unit("etcd", "etcd.image")}
    state["v4"] = host.repo.commit(4, files, bound("etcd.container"), parent=state["v2"])
    with timed("scenario 6: rootpin-upgrade.service"):
        # What the timer starts, started now rather than after its randomized delay.
        vm.run("systemctl start rootpin-upgrade.service", timeout=1200)
    assert vm.run("systemctl show -p Result --value rootpin-upgrade.service").strip() == "success"
    assert wait_bind_idle(vm) == "success"
    status = vm.run("ostree admin status")
    assert f"debian {state['v4']}" in status and "(staged)" in status, status
    vm.run("test ! -e /run/ostree/staged-deployment-locked")
    staged = journal(vm, f"MESSAGE_ID={UPGRADE_STAGED} _SYSTEMD_UNIT=rootpin-upgrade.service")
    assert any(state["v4"] in e.get("ROOTPIN_ROOT", "") for e in staged), staged
    rec = ledger_root(guest_ledger(vm), state["v4"])
    digests = {i["reference"]: i["digest"] for i in rec["images"]}
    assert digests[f"{GUEST_REGISTRY}/acme/etcd:1"] == state["d_etcd"]
    # web:1 was in the store at v1's digest (rootpin boot re-pointed it at the rollback), so
    # the upgrade recorded that digest for v4 without asking the registry.
    assert digests[f"{GUEST_REGISTRY}/acme/web:1"] == state["d_web_v1"]
    assert_check(vm)
    reboot(host, registry_up=False)
    assert default_commit(host) == state["v4"]
    boot(host)
    assert f"* debian {state['v4']}" in vm.run("ostree admin status")
    assert_running(vm, ["web", "log", "metrics"])
    assert hello(vm, "web") == "web v1"  # the digest v4 was bound with
    assert_check(vm)


def test_8_image_unit_trap(host):
    """podman 5.4 has no Policy= for .image units: etcd-image.service pulls at every boot
    and fails offline, and etcd.container (Image=etcd.image) fails with it, although
    rootpin pinned the image. quadlet-scan's lint says so and what to write instead, and
    what it says to write runs offline."""
    vm = host.vm
    vm.run(f"podman {STORE} image exists {GUEST_REGISTRY}/acme/etcd:1")
    assert vm.run("systemctl is-failed etcd-image.service", check=False)[1].strip() == "failed"
    assert vm.run("systemctl is-active etcd.service", check=False)[1].strip() != "active"
    pull = vm.run("journalctl -b -u etcd-image.service --no-pager")
    assert f"{GUEST_REGISTRY}/acme/etcd:1" in pull, pull
    lint = " ".join(vm.run("quadlet-scan --root / 2>&1 >/dev/null", check=False)[1].split())
    for words in ("etcd.image", "etcd-image.service runs `podman image pull` at every boot",
                  "podman 5.4 has no pull policy for .image units", "fails offline",
                  "every .container with Image=etcd.image requires it and fails too",
                  "write the image itself in the .container's Image="):
        assert words in lint, (words, lint)
    # What the lint says to write instead: the image in Image=, default Pull= (missing).
    vm.run("mkdir -p /etc/containers/systemd && cat >/etc/containers/systemd/etcd2.container "
           f"<<'EOF'\n[Container]\nContainerName=etcd2\nImage={GUEST_REGISTRY}/acme/etcd:1\n"
           "GlobalArgs=--storage-opt=additionalimagestore=/var/lib/rootpin/storage\n"
           "Network=none\nExec=/busybox sleep 1000000\nEOF\n"
           "systemctl daemon-reload && systemctl start etcd2.service", timeout=300)
    assert_running(vm, ["etcd2"])
    assert hello(vm, "etcd2") == "etcd v4"
    # Its only warning is the floating tag's (no digest), not the trap's.
    lines = vm.run("quadlet-scan --root / --all 2>&1 >/dev/null", check=False)[1].splitlines()
    assert not [l for l in lines if "etcd2" in l and "every boot" in l], lines


SHELF_SYSTEM = (f"[Container]\nContainerName=shelf-system\nImage={GUEST_REGISTRY}/acme/log:1\n"
                f"Mount=type=image,source={GUEST_REGISTRY}/acme/data:1,destination=/data\n"
                "Pull=never\nNetwork=none\nExec=/busybox sleep 1000000\n")


def test_9_pin_mode_system_mounts_the_image(host):
    """What scenario 1's lint says to do instead: in pin mode system rootpin pins in podman's
    own store, from which podman does mount an image. shelf.container without its
    GlobalArgs= line starts offline and reads the mounted image. rootpin runs with its own
    state dir here, so the story's store-mode ledger is not switched (rootpin(8), SWITCHING
    PIN MODES)."""
    vm = host.vm
    system = "rootpin --pin-mode system --state-dir /var/lib/rootpin-system"
    host.registry.start()
    with timed("scenario 9: pin mode system"):
        vm.run(f"{system} pin --reason 'shelf, pin mode system' {GUEST_REGISTRY}/acme/log:1 "
               f"{GUEST_REGISTRY}/acme/data:1", timeout=600)
        host.registry.stop()
        # The placeholders hold them against a prune of every unused image.
        vm.run("podman image prune --all --force", timeout=300)
        vm.run("mkdir -p /etc/containers/systemd && "
               "cat >/etc/containers/systemd/shelf-system.container <<'EOF'\n"
               f"{SHELF_SYSTEM}EOF\n"
               "systemctl daemon-reload && systemctl start shelf-system.service", timeout=300)
    assert_running(vm, ["shelf-system"])
    assert hello(vm, "shelf-system", "/data/hello") == "data v1"
    assert hello(vm, "shelf-system") == "log v1"
    rc, out = vm.run(f"{system} check", check=False, timeout=300)
    assert rc == 0, out
    lint = vm.run("quadlet-scan --root / --all --pin-mode system 2>&1 >/dev/null", check=False)[1]
    assert "cannot mount" not in lint, lint
