"""What the system tests' scenarios share: unit files, waits on units, the ledger."""
import json

from conftest import timed

ROOT_BOUND = "c4575413883e4b1da2be139aa09ec1d4"
UPGRADE_STAGED = "d1d409d69e9645bdb9c78bfc5ac0878d"
STORE = "--root /var/lib/rootpin/storage --runroot /run/rootpin/storage"
# podman as the containers run: reading rootpin's store as an additional image store
AIS = "podman --storage-opt=additionalimagestore=/var/lib/rootpin/storage"

def container_unit(name, image, extra=""):
    return (f"[Unit]\nDescription={name} (rootpin system test)\n\n[Container]\n"
            f"ContainerName={name}\nImage={image}\n"
            "GlobalArgs=--storage-opt=additionalimagestore=/var/lib/rootpin/storage\n"
            f"Pull=never\nNetwork=none\nExec=/busybox sleep 1000000\n{extra}\n"
            "[Install]\nWantedBy=multi-user.target\n")


def push_v1(images):
    """The images version 1 (the cached image's commit) binds: web.container's,
    log.container's (also shelf.container's) and the one shelf.container mounts
    (Mount=type=image). Returns their digests."""
    return {"web": images.push("acme/web", "1", "web v1"),
            "data": images.push("acme/data", "1", "data v1"),
            "log": images.push("acme/log", "1", "log v1")}


def bound(name):
    return {f"/usr/lib/rootpin/bound-images.d/{name}":
            f"/usr/share/containers/systemd/{name}"}


def root_key(commit):
    return f"debian/{commit}.0"


def ledger_root(ledger, commit):
    """The ledger's record of the deployment of commit, whatever its serial."""
    roots = ledger.get("roots", {})
    for key, rec in roots.items():
        if f"/{commit}." in key:
            return rec
    return None


def assert_running(vm, names):
    out = vm.run("systemctl is-active " + " ".join(f"{n}.service" for n in names), check=False)[1]
    assert out.split() == ["active"] * len(names), out
    ps = vm.run("podman ps --format '{{.Names}}'").split()
    for n in names:
        assert n in ps


def hello(vm, name, path="/hello"):
    return vm.run(f"{AIS} exec {name} /busybox cat {path}").strip()


def assert_check(vm, booted=False):
    """rootpin check: every image a live root (or with --booted, the booted root) holds is
    in the store at its recorded digest. Returns its output."""
    rc, out = vm.run("rootpin check" + (" --booted" if booted else ""), check=False,
                     timeout=300)
    assert rc == 0, f"rootpin check failed ({rc}):\n{out}"
    return out


def booted_commit(vm):
    return vm.run("ostree admin status --json 2>/dev/null | tr -d ' \\n' | "
                  "grep -o '\"booted\":true' >/dev/null; "
                  "ostree rev-parse $(ostree admin status | sed -n 's/^\\* debian \\([0-9a-f]*\\)\\..*/\\1/p')"
                  ).strip()


def unit_start(vm, unit):
    return vm.run(f"systemctl show -p ExecMainStartTimestampMonotonic --value {unit}").strip()


def wait_unit_ran(vm, unit, before, timeout=900):
    """Waits until unit ran once more since ExecMainStartTimestampMonotonic was `before` and
    finished; returns (ActiveState, Result)."""
    vm.run(f"""for i in $(seq {timeout}); do
        s=$(systemctl show -p ExecMainStartTimestampMonotonic --value {unit})
        a=$(systemctl show -p ActiveState --value {unit})
        if [ "$s" != "{before}" ] && [ "$s" != 0 ] && [ "$a" != activating ]; then exit 0; fi
        sleep 1; done; exit 1""", timeout=timeout + 30)
    return tuple(vm.run(f"systemctl show -p {p} --value {unit}").strip()
                 for p in ("ActiveState", "Result"))


def wait_bind_idle(vm, timeout=600):
    """rootpin upgrade stages a root, which triggers rootpin-bind.path: that bind waits for
    the upgrade's lock, then binds the same root again (all present, quick), holding the
    finalization lock meanwhile. Waits until it is done; returns its Result."""
    vm.run(f"""for i in $(seq {timeout}); do
        if ! systemctl list-jobs --no-legend | grep -q rootpin-bind.service &&
           [ "$(systemctl show -p ActiveState --value rootpin-bind.service)" != activating ]
        then exit 0; fi; sleep 1; done; exit 1""", timeout=timeout + 30)
    return vm.run("systemctl show -p Result --value rootpin-bind.service").strip()


def journal(vm, match):
    out = vm.run(f"journalctl -o json --no-pager {match}")
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def guest_ledger(vm):
    return json.loads(vm.run("cat /var/lib/rootpin/ledger.json"))


def stage_from_remote(vm):
    vm.run("ostree pull rootpin rootpin/vm && ostree admin deploy --stage rootpin:rootpin/vm",
           timeout=900)


def default_commit(host):
    """The commit the bootloader will boot: the default BLS entry's ostree= path resolved
    on the disk."""
    import vm as vmlib
    return vmlib.entry_deployment(host.disk, host.entries()[0]).split(".")[0]


def reboot(host, registry_up):
    (host.registry.start if registry_up else host.registry.stop)()
    with timed("reboot (shutdown)"):
        host.vm.shutdown("systemctl reboot")


def boot(host):
    with timed("boot"):
        return host.vm.boot()
