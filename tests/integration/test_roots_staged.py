"""The staged path on a booted system: `rootpin upgrade` staging, `bind --staged` of what
another tool staged, and the finalization lock /run/ostree/staged-deployment-locked.

The sysroot is made to look booted to libostree (lib/booted.py: a private mount namespace,
chrooted into deployment 0, /run a directory of the test), so ostree really stages,
writes /run/ostree/staged-deployment and undoes; rootpin runs with --sysroot / as on a host.
What this cannot show: ostree-finalize-staged.service honouring the lock at a real shutdown.
"""
import json
import os
import re
import stat

from booted import Booted
from roots_env import image_unit


class Host:
    """rootpin and ostree run as on a host booted from roots's deployment 0."""

    def __init__(self, roots, units, files=None):
        self.env = roots
        roots.boot_os(units, files=files)
        self.run_dir = os.path.join(roots.tmp, "host-run")
        self.booted = Booted(roots.sysroot, self.run_dir, [roots.bin])
        self.pull_log = os.path.join(roots.tmp, "pulls.log")
        # A podman that notes, at each pull, whether the finalization lock is in place.
        self.podman = os.path.join(roots.tmp, "podman-probe")
        with open(self.podman, "w") as f:
            f.write("#!/bin/sh\n"
                    'case " $* " in *" pull "*)\n'
                    f'  if [ -e /run/ostree/staged-deployment-locked ]; then echo locked; '
                    f'else echo unlocked; fi >> {self.pull_log};;\n'
                    "esac\n"
                    'exec podman "$@"\n')
        os.chmod(self.podman, stat.S_IRWXU)

    @property
    def lock(self):
        return os.path.join(self.run_dir, "ostree/staged-deployment-locked")

    @property
    def staged_file(self):
        return os.path.join(self.run_dir, "ostree/staged-deployment")

    def argv(self, *args):
        e = self.env
        return [e.bin, "--sysroot", "/", "--state-dir", e.state, "--store", e.store,
                "--runroot", os.path.join(e.tmp, "run"), "--config-dir",
                os.path.join(e.tmp, "config"), "--podman", self.podman] + list(args)

    def rootpin(self, *args, check=None):
        argv = self.argv(*args)
        proc = self.booted.run(argv, env={"ROOTPIN_LOG": "stderr"})
        if check is not None:
            assert proc.returncode == check, f"{argv} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc

    def ostree(self, *args):
        proc = self.booted.run(["ostree"] + list(args))
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def root_ids(self):
        """Deployments as the booted host sees them (a staged one first)."""
        out = self.ostree("admin", "status")
        return [f"{m.group(1)}/{m.group(2)}.{m.group(3)}" for m in
                re.finditer(r"^\s*\*?\s*(\S+) ([0-9a-f]{64})\.(\d+)", out, re.M)]

    def stage_from_origin(self):
        """What rpm-ostree or bootc would do: pull the origin and stage it."""
        self.ostree("pull", "--repo=/ostree/repo", "origin", "testos/x86_64/stable")
        self.ostree("admin", "deploy", "--stage", "--os=testos", "origin:testos/x86_64/stable")
        return self.root_ids()[0]

    def pulls(self):
        if not os.path.exists(self.pull_log):
            return []
        with open(self.pull_log) as f:
            return f.read().split()


def test_upgrade_stages_binds_and_lets_ostree_finalize(roots):
    a = roots.push("acme/a", "1")
    b = roots.push("acme/b", "1")
    host = Host(roots, {"a.image": image_unit(a)})
    host.rootpin("bind", check=0)
    [booted] = host.root_ids()
    roots.commit({"a.image": image_unit(a), "b.image": image_unit(b)}, "2.0")

    out = host.rootpin("upgrade", check=0)
    staged = host.root_ids()[0]
    assert staged != booted and f"staged {staged} (2.0)" in out.stdout
    assert "(staged)" in host.ostree("admin", "status")
    assert os.path.exists(host.staged_file)
    # a was pulled by the first bind, b while the staged root could not be finalized.
    assert host.pulls() == ["unlocked", "locked"]
    assert not os.path.exists(host.lock)  # bound: ostree may finalize it now
    assert set(roots.ledger()["roots"]) == {booted, staged}
    assert roots.names() == sorted([a, b])


def test_staged_upgrade_whose_pull_fails_is_undone_and_unlocked(roots):
    a = roots.push("acme/a", "1")
    good = roots.push("acme/good", "1")
    host = Host(roots, {"a.image": image_unit(a)})
    host.rootpin("bind", check=0)
    before = (host.root_ids(), roots.ledger(), roots.images())
    missing = f"{roots.registry.host}/acme/missing:1"
    roots.commit({"a.image": image_unit(a), "good.image": image_unit(good),
                "zz.image": image_unit(missing)}, "2.0")

    out = host.rootpin("upgrade")
    assert out.returncode == 1, out.stderr
    assert missing in out.stderr and "zz.image" in out.stderr and "undone" in out.stderr
    assert set(host.pulls()[1:]) == {"locked"}  # the lock was there while it was staged
    assert "(staged)" not in host.ostree("admin", "status")
    assert not os.path.exists(host.staged_file)
    assert not os.path.exists(host.lock)
    assert (host.root_ids(), roots.ledger(), roots.images()) == before


def test_bind_staged_failure_keeps_the_lock_until_a_bind_succeeds(roots):
    a = roots.push("acme/a", "1")
    host = Host(roots, {"a.image": image_unit(a)})
    host.rootpin("bind", check=0)
    later = f"{roots.registry.host}/acme/later:1"  # not pushed yet
    roots.commit({"a.image": image_unit(a), "later.image": image_unit(later)}, "2.0")
    # Another tool stages the update (rootpin-bind.path then runs `bind --staged`).
    staged = host.stage_from_origin()

    out = host.rootpin("bind", "--staged")
    assert out.returncode == 1, out.stderr
    assert later in out.stderr and "later.image" in out.stderr
    assert f"{staged} is staged but its images are not pinned" in out.stderr
    assert "/run/ostree/staged-deployment-locked stays" in out.stderr
    assert os.path.exists(host.lock)  # ostree will not finalize it
    assert "(staged)" in host.ostree("admin", "status")  # not rootpin's to undo
    assert staged not in roots.ledger()["roots"]
    status = host.rootpin("status", check=0).stdout
    assert "finalization locked (/run/ostree/staged-deployment-locked)" in status
    assert "once `rootpin bind --staged` succeeds" in status

    roots.push("acme/later", "1")
    out = host.rootpin("bind", "--staged", check=0)
    assert f"bound {staged}: 2 images" in out.stdout
    assert not os.path.exists(host.lock)
    assert staged in roots.ledger()["roots"]
    assert "finalization locked" not in host.rootpin("status", check=0).stdout


def placeholders(roots):
    out = roots.podman("ps", "-a", "--filter", "label=io.rootpin.holder", "--format", "json").stdout
    return sorted((c["Labels"]["io.rootpin.root"], c["Labels"]["io.rootpin.holder"])
                  for c in json.loads(out or "[]"))


def test_bind_staged_failure_in_pin_mode_system_keeps_the_lock_until_a_bind_succeeds(roots):
    """As the store-mode test above, in pin mode system (issue 13): the failed bind leaves no
    placeholder and no image of the staged root, and the lock stays until a bind succeeds."""
    a, good = roots.push("acme/a", "1"), roots.push("acme/good", "1")
    host = Host(roots, {"a.image": image_unit(a)})
    host.rootpin("--pin-mode", "system", "bind", check=0)
    [booted] = host.root_ids()
    later = f"{roots.registry.host}/acme/later:1"  # not pushed yet
    roots.commit({"a.image": image_unit(a), "good.image": image_unit(good),
                "later.image": image_unit(later)}, "2.0")
    staged = host.stage_from_origin()
    before = (roots.ledger(), placeholders(roots), roots.images())

    out = host.rootpin("--pin-mode", "system", "bind", "--staged")
    assert out.returncode == 1, out.stderr
    assert later in out.stderr and "later.image" in out.stderr
    assert f"{staged} is staged but its images are not pinned" in out.stderr
    assert "/run/ostree/staged-deployment-locked stays" in out.stderr
    assert os.path.exists(host.lock)
    assert "(staged)" in host.ostree("admin", "status")
    assert (roots.ledger(), placeholders(roots), roots.images()) == before
    assert "finalization locked" in host.rootpin("--pin-mode", "system", "status", check=0).stdout

    roots.push("acme/later", "1")
    out = host.rootpin("--pin-mode", "system", "bind", "--staged", check=0)
    assert f"bound {staged}: 3 images" in out.stdout
    assert not os.path.exists(host.lock)
    assert placeholders(roots) == sorted([(booted, "a.image"), (staged, "a.image"),
                                        (staged, "good.image"), (staged, "later.image")])


def test_staged_upgrade_in_pin_mode_system_failing_at_a_placeholder_is_undone_and_unlocked(roots):
    """The staged upgrade's transaction in pin mode system: a failure after some of the new
    root's placeholders exist undoes the staged root, its placeholders and its pulls, and
    releases the lock."""
    a, b, c = (roots.push(f"acme/{n}", "1") for n in "abc")
    host = Host(roots, {"a.image": image_unit(a)})
    host.rootpin("--pin-mode", "system", "bind", check=0)
    before = (host.root_ids(), roots.ledger(), placeholders(roots), roots.images())
    roots.commit({"a.image": image_unit(a), "b.image": image_unit(b), "c.image": image_unit(c)},
               "2.0")
    count = os.path.join(roots.tmp, "creates")
    with open(host.podman, "w") as f:
        f.write("#!/bin/sh\n"
                'case " $* " in *" create "*)\n'
                f"  n=$(cat {count} 2>/dev/null || echo 0); echo $((n + 1)) > {count}\n"
                f'  if [ "$n" -ge 1 ]; then echo "Error: injected fault" >&2; exit 125; fi;;\n'
                "esac\n"
                'exec podman "$@"\n')

    out = host.rootpin("--pin-mode", "system", "upgrade")
    assert out.returncode == 1 and "undone" in out.stderr and "injected fault" in out.stderr
    assert "(staged)" not in host.ostree("admin", "status")
    assert not os.path.exists(host.lock)
    assert (host.root_ids(), roots.ledger(), placeholders(roots), roots.images()) == before


def test_a_finalization_lock_rootpin_did_not_write_stays(roots):
    a = roots.push("acme/a", "1")
    host = Host(roots, {"a.image": image_unit(a)})
    roots.commit({"a.image": image_unit(a)}, "2.0")
    host.stage_from_origin()
    os.makedirs(os.path.dirname(host.lock), exist_ok=True)
    open(host.lock, "w").close()  # an admin holds the update back

    out = host.rootpin("bind", "--staged", check=0)
    assert "was not written by rootpin and stays in place" in out.stderr
    assert os.path.exists(host.lock)
    assert "the lock is not rootpin's" in host.rootpin("status", check=0).stdout


def test_a_staged_upgrade_failing_with_any_error_is_undone_and_unlocked(roots):
    """Issue 11, points 1-2: a failure that is not rootpin's own error type (here podman's
    message with invalid UTF-8 under --json, which made the JSON rendering throw inside a
    pulling thread: std::terminate) must still undo the staged root and leave no lock."""
    a = roots.push("acme/a", "1")
    b = roots.push("acme/b", "1")
    host = Host(roots, {"a.image": image_unit(a)})
    host.rootpin("bind", check=0)
    before = (host.root_ids(), roots.ledger(), roots.images())
    roots.commit({"a.image": image_unit(a), "b.image": image_unit(b)}, "2.0")
    with open(host.podman, "w") as f:
        f.write("#!/bin/sh\n"
                'case " $* " in *" pull "*)\n'
                "  printf 'Error: manifest unknown: \\377\\376 not valid UTF-8\\n' >&2; exit 125;;\n"
                "esac\n"
                'exec podman "$@"\n')

    out = host.rootpin("--json", "upgrade")
    assert out.returncode == 1, (out.returncode, out.stdout, out.stderr)
    assert "undone" in out.stderr and "b.image" in out.stderr
    assert '"event":"pull_failed"' in out.stdout.replace(" ", "")
    assert "(staged)" not in host.ostree("admin", "status")
    assert not os.path.exists(host.lock)
    assert (host.root_ids(), roots.ledger(), roots.images()) == before


def test_bind_staged_follows_a_root_staged_while_it_binds(roots):
    """Issue 11, point 3: the finalization lock is global. When another tool stages a newer
    root while `bind --staged` pulls, releasing the lock after binding the old one would let
    ostree finalize the new root with its images missing: the bind re-checks what is staged
    and binds the new one too before it lets go."""
    a = roots.push("acme/a", "1")
    b = roots.push("acme/b", "1")
    c = roots.push("acme/c", "1")
    host = Host(roots, {"a.image": image_unit(a)})
    host.rootpin("bind", check=0)
    roots.commit({"a.image": image_unit(a), "b.image": image_unit(b)}, "2.0")
    first = host.stage_from_origin()
    roots.commit({"a.image": image_unit(a), "b.image": image_unit(b),
                "c.image": image_unit(c)}, "3.0")
    host.ostree("pull", "--repo=/ostree/repo", "origin", "testos/x86_64/stable")
    mark = os.path.join(roots.tmp, "restaged")
    with open(host.podman, "w") as f:
        f.write("#!/bin/sh\n"
                'case " $* " in *" pull "*)\n'
                f"  if mkdir {mark} 2>/dev/null; then\n"
                "    ostree admin deploy --stage --os=testos origin:testos/x86_64/stable"
                f" > {mark}/out 2>&1\n"
                "  fi;;\n"
                "esac\n"
                'exec podman "$@"\n')

    out = host.rootpin("bind", "--staged", check=0)
    second = host.root_ids()[0]
    assert second != first, open(os.path.join(mark, "out")).read()
    assert f"{second} was staged while {first} was being bound" in out.stderr
    assert f"bound {second}: 3 images" in out.stdout
    assert second in roots.ledger()["roots"]
    assert not os.path.exists(host.lock)
    assert sorted(roots.names()) == sorted([a, b, c])


def etc_units(units):
    """Units shipped in /usr/etc/containers/systemd, every one bound (All=yes)."""
    files = {f"usr/etc/containers/systemd/{n}": text for n, text in units.items()}
    files["usr/lib/rootpin/rootpin.conf"] = "[Bind]\nAll=yes\n"
    return files


def test_bind_staged_reads_etc_as_ostree_will_merge_it(roots):
    """Issue 10: a staged root gets its /etc at finalization, the booted /etc's changes
    applied over its /usr/etc. What an admin changed, added and deleted under the booted
    /etc/containers/systemd is what the staged root will run, so it is what gets pinned."""
    web_admin = roots.push("acme/web", "admin")
    mine = roots.push("acme/mine", "1")
    keep2 = roots.push("acme/keep", "2")
    keep1 = roots.push("acme/keep", "1")
    # Not in the registry: a bind that wanted any of them would fail.
    web1 = f"{roots.registry.host}/acme/web:1"
    web2 = f"{roots.registry.host}/acme/web:2"
    gone = f"{roots.registry.host}/acme/gone:1"
    host = Host(roots, {}, files=etc_units({"web.image": image_unit(web1),
                                          "gone.image": image_unit(gone),
                                          "keep.image": image_unit(keep1)}))
    etc = os.path.join(host.booted.deployment_dir(0), "etc/containers/systemd")
    with open(os.path.join(etc, "mine.image"), "w") as f:
        f.write(image_unit(mine))  # added
    os.remove(os.path.join(etc, "gone.image"))  # deleted
    with open(os.path.join(etc, "web.image"), "w") as f:
        f.write(image_unit(web_admin))  # modified: the admin's Image= wins over web:2
    roots.commit({}, "2.0", files=etc_units({"web.image": image_unit(web2),
                                           "gone.image": image_unit(gone),
                                           "keep.image": image_unit(keep2)}))
    # upgrade --check plans the new commit's tree with the /etc it will get.
    out = host.rootpin("--json", "upgrade", "--check", check=0)
    planned = {e["reference"] for e in map(json.loads, out.stdout.splitlines()) if "action" in e}
    assert planned == {web_admin, mine, keep2}, out.stdout
    staged = host.stage_from_origin()

    out = host.rootpin("bind", "--staged", check=0)
    assert f"bound {staged}: 3 images" in out.stdout, out.stdout
    recorded = {i["reference"] for i in roots.ledger()["roots"][staged]["images"]}
    assert recorded == {web_admin, mine, keep2}
