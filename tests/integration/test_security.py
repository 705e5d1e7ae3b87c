"""Security properties, tested against the real binary:

- nothing from a scanned root runs: a root shipping its own podman (which would leave a
  marker file) and PATH tricks (/etc/environment, a unit's Environment=PATH=) change
  nothing; the running system's podman pulls;
- the state dir is 0700 and ledger.json/.prev 0600 whatever the umask; the temp file is
  opened O_CREAT|O_EXCL|O_NOFOLLOW; symlinks planted at ledger.json, ledger.json.prev and
  the temp name are never followed (their targets stay as they were);
- credentials (Creds= of a unit, --creds, an auth file's content) never appear on stdout,
  stderr, in the ledger or in the journal, on success, with -v -v, with --json, in status
  and on the error paths, nor on podman's command line (readable by every local user).

Cost: about 30 s (one htpasswd registry, a dozen rootpin runs)."""
import base64
import os
import re
import stat
import subprocess

import pytest

from images import Images, write_authfile
from journal_capture import run_with_journal
from registry import Registry
import strace
from rootpin import Rootpin

UNIT_DIR = "usr/share/containers/systemd"
BOUND_DIR = "usr/lib/rootpin/bound-images.d"


def make_root(base, units, files=None):
    """A root directory with Quadlet units opted in through bound-images.d."""
    os.makedirs(os.path.join(base, UNIT_DIR))
    os.makedirs(os.path.join(base, BOUND_DIR))
    for name, text in units.items():
        with open(os.path.join(base, UNIT_DIR, name), "w") as f:
            f.write(text)
        os.symlink(f"/{UNIT_DIR}/{name}", os.path.join(base, BOUND_DIR, name))
    for rel, (text, mode) in (files or {}).items():
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
    return base


# --- nothing from a scanned root runs ---------------------------------------------------

def test_a_roots_own_podman_and_path_tricks_change_nothing(pins):
    tmp, images, rp = pins.tmp, pins.images, pins.rp
    ref = images.push("acme/web", "1")
    marker = os.path.join(tmp, "MARKER")
    root = os.path.join(tmp, "hostile-root")
    evil = f"#!/bin/sh\ntouch {marker}\necho sha256:{'0' * 64}\nexit 0\n"
    # The root's bin dirs as the host sees them: a PATH that reaches them would run them.
    root_path = ":".join(os.path.join(root, d) for d in ("usr/local/bin", "usr/bin", "bin"))
    make_root(root, {
        "web.image": f"[Image]\nImage={ref}\nTLSVerify=false\n",
        "app.container": (f"[Container]\nImage={ref}\nEnvironment=PATH={root_path}\n"
                          f"[Service]\nEnvironment=PATH={root_path}\n"
                          f"ExecStartPre={root}/usr/bin/podman\n"),
    }, files={
        "usr/bin/podman": (evil, 0o755),
        "usr/local/bin/podman": (evil, 0o755),
        "bin/podman": (evil, 0o755),
        "etc/environment": (f"PATH={root_path}\n", 0o644),
        "usr/lib/environment.d/10-path.conf": (f"PATH={root_path}\n", 0o644),
    })
    r = rp.run("bind", "--root", root, "--root-id", "hostile/1", "-v", "-v")
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(marker), "a binary of the scanned root ran"
    # The running podman pulled it: it is really in the store, with a real digest.
    images_in_store = rp.store_images()
    assert [n for i in images_in_store for n in i["Names"]] == [ref]
    assert all(i["Digest"].startswith("sha256:") for i in images_in_store)
    # Every podman run rootpin logged is the host's, by the name it was given.
    runs = re.findall(r"running (\S+) --root", r.stderr)
    assert runs and set(runs) == {"podman"}, r.stderr
    assert not os.path.exists(marker)


# --- the state directory ------------------------------------------------------------------

def test_state_dir_and_ledger_modes_do_not_depend_on_the_umask(pins):
    images, rp = pins.images, pins.rp
    a, b = images.push("acme/a", "1"), images.push("acme/b", "1")
    for ref in (a, b):  # the second save also writes ledger.json.prev
        r = subprocess.run(rp.argv("pin", ref), capture_output=True, text=True, env=rp.env,
                           preexec_fn=lambda: os.umask(0), timeout=300)
        assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(rp.state_dir).st_mode) == 0o700
    for name in ("ledger.json", "ledger.json.prev"):
        assert stat.S_IMODE(os.stat(os.path.join(rp.state_dir, name)).st_mode) == 0o600


def test_the_temp_file_is_opened_exclusive_and_nofollow(pins):
    tmp, images, rp = pins.tmp, pins.images, pins.rp
    rp.run("pin", images.push("acme/a", "1"), check=True)
    trace = os.path.join(tmp, "open.strace")
    traced = strace.run(rp.argv("unpin", images.registry.host + "/acme/a:1"), trace,
                        ["open", "openat"], env=rp.env)
    assert traced.proc.returncode == 0, traced.proc.stderr
    opens = [line for line in traced.lines if ".ledger.json.tmp-" in line]
    assert len(opens) == 1, opens
    flags = set(re.search(r'"\.ledger\.json\.tmp-\d+", ([A-Z_|]+), 0600', opens[0]).group(1).split("|"))
    assert {"O_CREAT", "O_EXCL", "O_NOFOLLOW"} <= flags, opens[0]


@pytest.fixture
def planted(pins):
    """A ledger with one pin and a file outside the state dir that symlinks will aim at."""
    tmp, images, rp = pins.tmp, pins.images, pins.rp
    a, b = images.push("acme/a", "1"), images.push("acme/b", "1")
    rp.run("pin", a, check=True)
    target = os.path.join(tmp, "precious")
    with open(target, "w") as f:
        f.write("precious\n")
    os.chmod(target, 0o644)
    return tmp, rp, a, b, target


def assert_untouched(target):
    with open(target) as f:
        assert f.read() == "precious\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644


def test_a_symlink_at_the_ledger_is_refused(planted):
    tmp, rp, a, b, target = planted
    os.replace(rp.ledger_path, rp.ledger_path + ".real")
    os.symlink(target, rp.ledger_path)
    for args in (["status"], ["pin", b], ["unpin", a], ["gc"]):
        r = rp.run(*args)
        assert r.returncode == 1, (args, r.stderr)
        assert f"{rp.ledger_path}: it is a symlink" in r.stderr, r.stderr
    assert os.path.islink(rp.ledger_path)
    assert_untouched(target)


def test_a_symlink_at_the_previous_generation_is_refused(planted):
    tmp, rp, a, b, target = planted
    prev = os.path.join(rp.state_dir, "ledger.json.prev")
    os.symlink(target, prev)
    before = rp.snapshot()
    r = rp.run("unpin", a)
    assert r.returncode == 1
    assert f"refusing to replace {prev}: it is a symlink" in r.stderr, r.stderr
    assert rp.snapshot() == before
    assert os.path.islink(prev)
    assert_untouched(target)


def test_a_symlink_at_the_temp_name_is_not_followed(planted):
    tmp, rp, a, b, target = planted
    # The temp name carries rootpin's pid: a shell plants the symlink at .ledger.json.tmp-$$
    # and then execs rootpin, which keeps that pid.
    temp = os.path.join(rp.state_dir, ".ledger.json.tmp-")
    script = f'ln -s {target} {temp}$$ && exec "$@"'
    r = subprocess.run(["sh", "-c", script, "sh"] + rp.argv("unpin", a), capture_output=True,
                       text=True, env=rp.env, timeout=300)
    # Under the writer lock a temp can only be a crashed writer's leftover: it is removed
    # (unlink never follows) and the new temp is created O_EXCL|O_NOFOLLOW.
    assert r.returncode == 0, r.stderr
    assert_untouched(target)
    # (store-listing.json: the listing cache that lets boot skip podman, listing_cache.hpp)
    assert sorted(os.listdir(rp.state_dir)) == ["ledger.json", "ledger.json.prev",
                                                "store-listing.json"]
    assert rp.ledger()["pins"] == []


# --- secrets ----------------------------------------------------------------------------

SECRET = "Sup3r-S3cret-pw"
WRONG = "Wr0ng-S3cret-pw"


def leaks(text, secrets):
    return [s for s in secrets if s in text]


def test_credentials_never_appear_in_any_output(tmp, rootpin_bin):
    with Registry(tmp, users={"alice": SECRET}, name="authreg") as reg:
        images = Images(tmp, reg)
        auth = write_authfile(os.path.join(tmp, "auth.json"), reg, "alice", SECRET)
        ref = images.push("private/app", "1", authfile=auth)
        ref2 = images.push("private/other", "1", authfile=auth)
        ref3 = images.push("private/never", "1", authfile=auth)  # no run gets it
        empty = os.path.join(tmp, "empty-auth.json")
        with open(empty, "w") as f:
            f.write('{"auths": {}}')
        rp = Rootpin(rootpin_bin, tmp, env={**images.env(), "REGISTRY_AUTH_FILE": empty,
                                            "ROOTPIN_LOG": "stderr"})
        # Every podman run goes through a wrapper that logs its argv: what any local user
        # could read in /proc/PID/cmdline while the pull runs.
        argv_log = os.path.join(tmp, "podman-argv.log")
        wrapper = os.path.join(tmp, "podman-logging-argv")
        with open(wrapper, "w") as f:
            f.write(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {argv_log}\nexec podman "$@"\n')
        os.chmod(wrapper, 0o755)
        with open(os.path.join(rp.config_dir, "rootpin.conf"), "w") as f:
            f.write(f"[Rootpin]\nPodman={wrapper}\n")
        secrets = [SECRET, WRONG]
        for pw in (SECRET, WRONG):
            for text in (f"alice:{pw}", f"alice:{pw}\n"):
                secrets.append(base64.b64encode(text.encode()).decode().rstrip("="))

        def root(name, pw, image):
            return make_root(os.path.join(tmp, name), {
                "app.image": f"[Image]\nImage={image}\nTLSVerify=false\nCreds=alice:{pw}\n",
                "app.container": "[Container]\nImage=app.image\n"})

        good, bad = root("good-root", SECRET, ref), root("bad-root", WRONG, ref3)
        runs = [
            (0, ["bind", "--root", good, "--root-id", "good/1", "-v", "-v"]),
            (0, ["bind", "--root", good, "--root-id", "good/1", "--json", "-v", "-v"]),
            (0, ["status", "-v", "-v"]),
            (0, ["status", "--json"]),
            (1, ["bind", "--root", bad, "--root-id", "bad/1", "-v", "-v"]),
            (1, ["bind", "--root", bad, "--root-id", "bad/1", "--json"]),
            (1, ["pin", ref3, "--creds", f"alice:{WRONG}", "-v", "-v"]),
            (1, ["pin", ref3, "--creds", f"alice:{WRONG}", "--json"]),
            (0, ["pin", ref2, "--creds", f"alice:{SECRET}", "-v", "-v"]),
            (0, ["pin", ref2, f"--authfile={auth}", "--reason", "auth file", "-v", "-v"]),
            (0, ["bind", "--root", good, "--root-id", "good/2", "--dry-run", "--json"]),
        ]
        for want, args in runs:
            r = rp.run(*args, timeout=300)
            assert r.returncode == want, (args, r.stderr)
            assert leaks(r.stdout + r.stderr, secrets) == [], (args, r.stdout, r.stderr)
        # The failures did fail for the credentials (so their messages were really checked).
        r = rp.run("pin", ref3, "--creds", f"alice:{WRONG}")
        assert "unauthorized" in r.stderr or "authentication required" in r.stderr, r.stderr

        # The journal: the same runs through a captured journald socket.
        for want, args in ((0, ["bind", "--root", good, "--root-id", "good/3", "-v", "-v"]),
                           (1, ["bind", "--root", bad, "--root-id", "bad/2", "-v", "-v"])):
            env = {k: v for k, v in rp.env.items() if k != "ROOTPIN_LOG"}
            cap = run_with_journal(rp.argv(*args), {**env, "ROOTPIN_LOG": "journal"},
                                   timeout=240)
            assert cap.returncode == want, cap.stderr
            assert cap.entries, "nothing reached the journal"
            for e in cap.entries:
                assert leaks(" ".join(f"{k}={v}" for k, v in e.fields), secrets) == [], e.fields
            assert leaks(cap.stdout + cap.stderr, secrets) == []

        with open(argv_log) as f:
            pulls = [line for line in f if " pull " in line]
        assert len(pulls) >= 6 and all("--creds" not in p for p in pulls), pulls
        assert leaks("".join(pulls), secrets) == [], pulls
        assert all(re.search(r"--authfile=\S*/rootpin-creds-\w+/auth\.json", p) for p in pulls
                   if "private/never" in p or "private/app" in p), pulls
        for name in os.listdir(rp.state_dir):
            with open(os.path.join(rp.state_dir, name), errors="replace") as f:
                assert leaks(f.read(), secrets) == [], name
        assert {"good/1", "good/3"} <= set(rp.ledger()["roots"])
