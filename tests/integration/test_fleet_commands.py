"""The commands a fleet leans on (issue 12): `check` (and greenboot's script running it),
several references at once for `pin`/`unpin`, a `boot` that runs no podman when nothing
can have moved, and the shutdown inhibitor around `bind`'s pulls. Real podman, a real
docker-registry, real ostree sysroots; logind is a stub on a private D-Bus daemon.
"""
import json
import os
import stat
import subprocess

import podman_leg
from booted import Booted
from build_tree import BUILD_DIR, cmake_cache, full_bindir, require_dirs
from logind_stub import PrivateLogind
from roots_env import image_unit


# The test registry speaks plain HTTP on 127.0.0.1.
PLAIN_HTTP = ("--tls-verify", "false")


def podman_logger(roots):
    """A podman that notes each run's arguments, then runs the real one."""
    path = os.path.join(roots.tmp, "podman-log")
    wrapper = os.path.join(roots.tmp, "podman-logged")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\necho "$*" >> {path}\nexec podman "$@"\n')
    os.chmod(wrapper, stat.S_IRWXU)

    def runs():
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [line.split() for line in f if line.strip()]
    return wrapper, runs


def subcommands(runs):
    """The podman subcommand of each run (after the global --root/--runroot options)."""
    out = []
    for argv in runs:
        words = [w for w in argv if not w.startswith("--")]
        # --root X --runroot Y: their values are the words after them
        skip = {argv[i + 1] for i, w in enumerate(argv[:-1]) if w in ("--root", "--runroot", "--tmpdir",
                                                                       "--storage-driver")}
        out.append(next(w for w in words if w not in skip))
    return out


# --- check ----------------------------------------------------------------------------

def test_check_names_an_image_removed_behind_rootpins_back(roots):
    a, b = roots.push("acme/a", "1"), roots.push("acme/b", "1")
    roots.boot_os({"a.image": image_unit(a), "b.image": image_unit(b)})
    roots.rootpin("bind", check=0)
    r = roots.rootpin("check", check=0)
    assert "2 images checked in 1 root and the admin pins: all present" in r.stdout
    roots.podman("rmi", "-f", b)  # an admin's podman, not rootpin
    r = roots.rootpin("check", check=1)
    assert f"MISSING: {b} for b.image in {roots.sysroot.root_ids()[0]} is missing" in r.stdout, r.stdout
    assert a not in r.stdout
    events = [json.loads(line) for line in roots.rootpin("check", "--json", check=1).stdout.splitlines()]
    assert [e["event"] for e in events] == ["missing", "checked"]
    assert events[0]["reference"] == b and events[1]["passed"] is False
    # check is offline and changes nothing: bind brings the image back, check passes again.
    roots.rootpin("bind", check=0)
    roots.rootpin("check", check=0)


def test_check_booted_and_greenboots_script_on_a_booted_host(roots, tmp):
    """The installed wanted.d script, run the way greenboot runs it (bash SCRIPT), on a
    host booted from the test sysroot; its binary is the installed one."""
    require_dirs()
    destdir = os.path.join(tmp, "dest")
    r = subprocess.run(["cmake", "--install", BUILD_DIR], capture_output=True, text=True,
                       env=dict(os.environ, DESTDIR=destdir), timeout=300)
    assert r.returncode == 0, r.stderr
    script = destdir + cmake_cache("ROOTPIN_GREENBOOT_CHECKDIR") + "/wanted.d/50_rootpin_images.sh"
    # greenboot finds checks with `find DIR -name '*.sh'` and runs each with bash.
    found = subprocess.run(["find", os.path.dirname(script), "-name", "*.sh"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert found == [script]
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    run_dir = os.path.join(tmp, "host-run")
    booted = Booted(roots.sysroot, run_dir, [roots.bin, tmp])
    conf = os.path.join(tmp, "host-conf")
    os.makedirs(conf)
    with open(os.path.join(conf, "rootpin.conf"), "w") as f:
        f.write(f"[Rootpin]\nSysroot=/\nStateDir={roots.state}\nStore={roots.store}\n"
                f"Runroot={os.path.join(tmp, 'run')}\nPodman={podman_leg.podman()}\n")
    host_env = {"ROOTPIN_CONFIG_DIR": conf, "ROOTPIN_LOG": "stderr"}
    binds = {full_bindir(): destdir + full_bindir(), **podman_leg.booted_binds()}

    def greenboot():
        return booted.run(["bash", script], env=host_env, binds=binds)
    r = booted.run([roots.bin, "bind", "--deployment", "0"], env=host_env, binds=binds)
    assert r.returncode == 0, r.stderr
    r = greenboot()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 image checked in 1 root" in r.stdout
    roots.podman("rmi", "-f", a)
    r = greenboot()
    assert r.returncode == 1 and "MISSING: " + a in r.stdout, r.stdout + r.stderr


def test_check_booted_on_a_sysroot_that_is_not_booted_is_a_usage_error(roots):
    roots.boot_os({})
    r = roots.rootpin("check", "--booted", check=2)
    assert "not booted" in r.stderr


# --- pin and unpin of several references ----------------------------------------------

def test_pin_several_references_with_one_listing_and_one_ledger_write(roots):
    refs = [roots.push(f"acme/p{i}", "1") for i in range(3)]
    roots.boot_os({})
    wrapper, runs = podman_logger(roots)
    r = roots.rootpin("--podman", wrapper, "pin", *refs, "--reason", "tools", *PLAIN_HTTP, check=0)
    assert sorted(p["reference"] for p in roots.ledger()["pins"]) == sorted(refs)
    kinds = subcommands(runs())
    assert kinds.count("pull") == 3
    # One listing to plan, one after the pulls to learn the IDs (run_pulls), nothing else.
    assert kinds.count("images") == 2, kinds
    assert r.stdout.count("pinned ") == 3
    r = roots.rootpin("unpin", refs[0], refs[1], check=0)
    assert [p["reference"] for p in roots.ledger()["pins"]] == [refs[2]]


def test_pin_is_all_or_nothing(roots):
    good = roots.push("acme/good", "1")
    missing = good.rsplit("/", 1)[0] + "/no-such:1"
    roots.boot_os({})
    r = roots.rootpin("pin", good, missing, *PLAIN_HTTP, check=1)
    assert "nothing pinned: 1 of 2 references failed" in r.stderr and missing in r.stderr
    assert roots.ledger()["pins"] == []
    assert roots.names() == [], "the image pulled for the good reference was not removed again"


def test_unpin_is_all_or_nothing(roots):
    a = roots.push("acme/a", "1")
    roots.boot_os({})
    roots.rootpin("pin", a, *PLAIN_HTTP, check=0)
    r = roots.rootpin("unpin", a, "quay.io/acme/never-pinned:1", check=1)
    assert "nothing unpinned" in r.stderr and "never-pinned" in r.stderr
    assert [p["reference"] for p in roots.ledger()["pins"]] == [a]


# --- boot without podman --------------------------------------------------------------

def test_boot_runs_no_podman_while_the_store_is_as_rootpin_listed_it(roots):
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin("bind", check=0)
    wrapper, runs = podman_logger(roots)
    r = roots.rootpin("--podman", wrapper, "boot", "--deployment", "0", check=0)
    assert "0 tags re-pointed, 1 already right, 0 missing" in r.stdout
    assert runs() == [], runs()
    # An admin's podman touches the store: boot lists it again (and caches that listing).
    roots.podman("tag", a, "localhost/extra:1")
    roots.rootpin("--podman", wrapper, "boot", "--deployment", "0", check=0)
    assert subcommands(runs()) == ["images"]
    roots.rootpin("--podman", wrapper, "boot", "--deployment", "0", check=0)
    assert subcommands(runs()) == ["images"]
    # The tag moved behind rootpin's back: one listing, then the tag.
    b = roots.push("acme/a", "2")
    roots.podman("pull", "--tls-verify=false", b)
    roots.podman("tag", b, a)
    r = roots.rootpin("--podman", wrapper, "boot", "--deployment", "0", check=0)
    assert "1 tags re-pointed" in r.stdout
    assert subcommands(runs())[1:] == ["images", "tag"], runs()


def test_boot_in_pin_mode_system_runs_no_podman_while_the_store_is_as_rootpin_listed_it(roots):
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    roots.rootpin("--pin-mode", "system", "bind", check=0)
    wrapper, runs = podman_logger(roots)
    # The first bind's placeholders changed the containers after it listed them: the next
    # run lists them once (and caches that); a no-op bind after it lists only the images
    # (its plan) and trusts the cached containers; boot runs no podman at all.
    roots.rootpin("--podman", wrapper, "--pin-mode", "system", "bind", check=0)
    assert subcommands(runs()) == ["images", "ps"], runs()
    roots.rootpin("--podman", wrapper, "--pin-mode", "system", "bind", check=0)
    assert subcommands(runs())[2:] == ["images"], runs()
    r = roots.rootpin("--podman", wrapper, "--pin-mode", "system", "boot", "--deployment", "0",
                    check=0)
    assert "0 tags re-pointed, 1 already right, 0 missing" in r.stdout
    assert len(runs()) == 3, runs()  # boot ran none
    # A prune took the placeholder: the containers' generation moved, so boot lists them,
    # sees it gone and creates it again; the images are as they were (no listing).
    roots.podman("container", "prune", "-f")
    r = roots.rootpin("--podman", wrapper, "--pin-mode", "system", "boot", "--deployment", "0",
                    check=0)
    assert "re-created placeholder" in r.stdout
    assert subcommands(runs())[3:] == ["ps", "create"], runs()
    roots.rootpin("--pin-mode", "system", "check", check=0)


def test_no_op_bind_on_podmans_own_unnamed_store_runs_podman_twice(roots):
    """Pin mode system with no --store/--runroot: podman's own store, made private here by
    CONTAINERS_STORAGE_CONF and CONTAINERS_CONF as a host's storage.conf names its graph
    root. Only podman can say that graph root, so no cache vouches for it: every no-op bind
    lists the images and the containers, 2 podman runs (issue 13's target), no request."""
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    own = os.path.join(roots.tmp, "own")
    os.makedirs(own)
    with open(os.path.join(own, "storage.conf"), "w") as f:
        f.write(f'[storage]\ngraphroot = "{own}/graph"\nrunroot = "{own}/run"\n')
    with open(os.path.join(own, "containers.conf"), "w") as f:
        f.write(f'[engine]\ntmp_dir = "{own}/libpod"\n')
    wrapper, runs = podman_logger(roots)
    argv = [roots.bin, "--sysroot", roots.sysroot.path, "--state-dir", roots.state, "--config-dir",
            os.path.join(roots.tmp, "config"), "--podman", wrapper, "--pin-mode", "system", "bind"]
    run_env = dict(os.environ, ROOTPIN_LOG="stderr",
                   CONTAINERS_STORAGE_CONF=os.path.join(own, "storage.conf"),
                   CONTAINERS_CONF=os.path.join(own, "containers.conf"))

    def bind():
        r = subprocess.run(argv, capture_output=True, text=True, env=run_env, timeout=300)
        assert r.returncode == 0, r.stderr
    bind()
    assert os.path.isdir(os.path.join(own, "graph"))  # podman's "own" store, not the host's
    first, requests = len(runs()), len(roots.requests_for("acme/a"))
    bind()
    bind()
    assert subcommands(runs()[first:]) == ["images", "ps", "images", "ps"], runs()
    assert len(roots.requests_for("acme/a")) == requests


# --- the shutdown inhibitor around bind's pulls ---------------------------------------

def test_bind_holds_a_shutdown_inhibitor_only_while_it_pulls(roots, tmp):
    a = roots.push("acme/a", "1")
    roots.boot_os({"a.image": image_unit(a)})
    with PrivateLogind(tmp) as logind:
        r = roots.rootpin_env(logind.env(), "bind", check=0)
        events = logind.events()
        assert [e["event"] for e in events] == ["inhibit", "release"], events
        assert events[0]["what"] == "shutdown" and events[0]["mode"] == "block"
        assert events[0]["why"] == "pulling the container images of the staged root"
        # Nothing to pull: no inhibitor.
        roots.rootpin_env(logind.env(), "bind", check=0)
        assert len(logind.events()) == 2
    # No logind at all: a warning, and the bind succeeds.
    roots.podman("rmi", "-f", a)
    r = roots.rootpin_env({"DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp}/none"}, "bind", check=0)
    assert "no shutdown inhibitor" in r.stderr
