"""rootpin's journal backend, checked on the wire.

Each test runs a program that logs through rootpin::log inside a private mount namespace
where a datagram socket we own sits at /run/systemd/journal/socket (see
lib/journal_capture.py), and checks the native-protocol entries it receives.
"""
import os
import urllib.request

import pytest

from images import Images
from journal_capture import run_with_journal
from registry import Registry
from rootpin import Rootpin

# The MESSAGE_IDs are API: admins and catalogs filter on them, so they must never change.
MESSAGE_IDS = {
    "root-bound": "c4575413883e4b1da2be139aa09ec1d4",
    "image-pinned": "389a61f1cf884a55a23fd5dc402390c5",
    "image-unpinned": "31e8c755d65f46c3a00886f384de9c2f",
    "upgrade-staged": "d1d409d69e9645bdb9c78bfc5ac0878d",
    "upgrade-failed": "ccf7dfb8bed5416998cd87f249bc8cab",
    "gc-freed": "918495bbb7d64244ba94ab3b47fd7b1d",
}
ROOT = "fedora/3f1c0d2e.0"
IMAGE = "127.0.0.1:5000/acme/web:1.4"
DIGEST = "sha256:" + "ab" * 32


@pytest.fixture
def probe():
    path = os.environ.get("LOG_PROBE_BIN", "")
    assert path and os.access(path, os.X_OK), "LOG_PROBE_BIN not set (run through ctest)"
    return path


def entry_args(event, priority, message, root=ROOT, image=IMAGE, digest=DIGEST):
    return [event, str(priority), root, image, digest, message]


def test_every_event_kind_has_its_message_id_and_fields(probe):
    argv = [probe]
    for i, event in enumerate(MESSAGE_IDS):
        argv += entry_args(event, 6 if i % 2 else 5, f"{event} happened")
    cap = run_with_journal(argv, {"ROOTPIN_LOG": "journal"})
    assert cap.returncode == 0, cap.stderr
    assert cap.stderr == "", "entries went to stderr instead of the journal"
    assert len(cap.entries) == len(MESSAGE_IDS)
    for i, (event, entry) in enumerate(zip(MESSAGE_IDS, cap.entries)):
        assert entry["MESSAGE"] == f"{event} happened"
        assert entry["MESSAGE_ID"] == MESSAGE_IDS[event]
        assert entry["PRIORITY"] == ("6" if i % 2 else "5")
        assert entry["SYSLOG_IDENTIFIER"] == "rootpin"
        assert entry["ROOTPIN_ROOT"] == ROOT
        assert entry["ROOTPIN_IMAGE"] == IMAGE
        assert entry["ROOTPIN_DIGEST"] == DIGEST
        assert entry["ROOTPIN_EVENT"] == event


def test_plain_messages_have_no_message_id_and_no_empty_fields(probe):
    cap = run_with_journal([probe, "message", "3", "", "", "", "store unreadable",
                            "message", "4", "", IMAGE, "", "Pull=always defeats the pre-pull"],
                           {"ROOTPIN_LOG": "journal"})
    assert cap.returncode == 0, cap.stderr
    err, warn = cap.entries
    assert err["PRIORITY"] == "3" and err["MESSAGE"] == "store unreadable"
    assert warn["PRIORITY"] == "4" and warn["ROOTPIN_IMAGE"] == IMAGE
    for e in (err, warn):
        assert e.get("MESSAGE_ID") is None
        assert e.get("ROOTPIN_ROOT") is None
        assert e.get("ROOTPIN_DIGEST") is None


def test_multiline_and_binary_values_use_the_length_prefixed_form(probe):
    message = "pulling quay.io/a/b:1 failed:\nError: unauthorized\n\tat registry 100%"
    cap = run_with_journal([probe] + entry_args("upgrade-failed", 3, message),
                           {"ROOTPIN_LOG": "journal"})
    assert cap.returncode == 0, cap.stderr
    (entry,) = cap.entries
    assert entry["MESSAGE"] == message
    assert "MESSAGE" in entry.binary_keys
    assert "PRIORITY" not in entry.binary_keys


def test_an_entry_too_big_for_a_datagram_arrives_through_a_memfd(probe, tmp):
    # libsystemd raises its send buffer to 8 MiB; anything larger goes in a sealed memfd
    # passed with SCM_RIGHTS.
    big = os.path.join(tmp, "big")
    body = ("x" * 1023 + "\n") * (9 * 1024)
    with open(big, "w") as f:
        f.write(body)
    cap = run_with_journal([probe] + entry_args("gc-freed", 6, "@" + big),
                           {"ROOTPIN_LOG": "journal"})
    assert cap.returncode == 0, cap.stderr
    (entry,) = cap.entries
    assert entry.via_memfd
    assert entry["MESSAGE"] == body
    assert entry["MESSAGE_ID"] == MESSAGE_IDS["gc-freed"]


def test_concurrent_emitters_never_mix_entries(probe):
    argv = [probe, "--threads", "8"]
    for n in range(25):
        argv += entry_args("image-pinned", 6, f"pinned image {n}", image=f"reg/img{n}:1",
                           digest=f"sha256:{n:064x}")
    cap = run_with_journal(argv, {"ROOTPIN_LOG": "journal"})
    assert cap.returncode == 0, cap.stderr
    assert len(cap.entries) == 8 * 25
    for e in cap.entries:
        n = int(e["MESSAGE"].rsplit(" ", 1)[1])
        assert e["ROOTPIN_IMAGE"] == f"reg/img{n}:1"
        assert e["ROOTPIN_DIGEST"] == f"sha256:{n:064x}"
    assert sorted(e["MESSAGE"] for e in cap.entries) == \
        sorted(f"pinned image {n}" for n in range(25) for _ in range(8))


@pytest.mark.parametrize("backend", ["journal", "stderr"])
def test_verbosity_filters_messages_and_events_only_on_stderr(probe, backend):
    entries = (entry_args("message", 7, "debug detail") + entry_args("message", 6, "info detail")
               + entry_args("message", 5, "notice") + entry_args("image-pinned", 6, "pinned")
               + entry_args("gc-freed", 7, "debug event")
               + entry_args("upgrade-failed", 3, "failed event"))
    seen = {}
    for verbosity in (0, 1, 2):
        cap = run_with_journal([probe, "--verbosity", str(verbosity)] + entries,
                               {"ROOTPIN_LOG": backend})
        assert cap.returncode == 0, cap.stderr
        if backend == "journal":
            seen[verbosity] = [e["MESSAGE"] for e in cap.entries]
        else:
            seen[verbosity] = [line.split(": ")[-1] for line in cap.stderr.splitlines()]
    # The journal keeps every event at info and above; on stderr, where the command's
    # stdout already reports what it did, events need -v unless they are failures.
    if backend == "journal":
        assert seen[0] == ["notice", "pinned", "failed event"]
    else:
        assert seen[0] == ["notice", "failed event"]
    assert seen[1] == ["info detail", "notice", "pinned", "failed event"]
    assert seen[2] == ["debug detail", "info detail", "notice", "pinned", "debug event",
                       "failed event"]


def test_status_goes_to_the_notify_socket(probe):
    cap = run_with_journal([probe, "--status", "pulling 2 of 5\nimages"]
                           + entry_args("root-bound", 5, "bound"),
                           {"ROOTPIN_LOG": "journal"}, notify=True)
    assert cap.returncode == 0, cap.stderr
    assert cap.notifications == ["STATUS=pulling 2 of 5 images"]
    assert cap.entries[0]["MESSAGE_ID"] == MESSAGE_IDS["root-bound"]


def test_auto_picks_the_journal_under_a_unit_and_stderr_outside(probe):
    args = [probe] + entry_args("image-unpinned", 5, "unpinned it")
    unit = run_with_journal(args, {"INVOCATION_ID": "0123456789abcdef0123456789abcdef"})
    assert [e["MESSAGE"] for e in unit.entries] == ["unpinned it"]
    assert unit.stderr == ""

    # JOURNAL_STREAM inherited by a process whose stderr is not that stream (here a pipe).
    shell = run_with_journal(args, {"JOURNAL_STREAM": "1:1"})
    assert shell.entries == []
    assert shell.stderr == "rootpin: unpinned it\n"

    forced = run_with_journal(args, {"INVOCATION_ID": "0123456789abcdef0123456789abcdef",
                                     "ROOTPIN_LOG": "stderr"})
    assert forced.entries == []
    assert forced.stderr == "rootpin: unpinned it\n"


def test_without_a_journal_socket_nothing_is_lost(probe):
    cap = run_with_journal([probe] + entry_args("upgrade-failed", 3, "no network"),
                           {"ROOTPIN_LOG": "journal"}, journal_socket=False)
    assert cap.returncode == 0
    assert cap.stderr == "rootpin: error: no network\n"


def test_an_invalid_rootpin_log_is_named(probe):
    cap = run_with_journal([probe] + entry_args("message", 5, "hello"),
                           {"ROOTPIN_LOG": "syslog"})
    assert "ROOTPIN_LOG=syslog" in cap.stderr
    assert "rootpin: hello\n" in cap.stderr


def registry_digest(host, repo, tag):
    req = urllib.request.Request(f"http://{host}/v2/{repo}/manifests/{tag}", method="HEAD", headers={
        "Accept": ", ".join(["application/vnd.oci.image.manifest.v1+json",
                             "application/vnd.docker.distribution.manifest.v2+json"])})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers["Docker-Content-Digest"]


def journal_env(rp):
    return {**rp.env, "ROOTPIN_LOG": "journal"}


def test_rootpin_pin_sends_image_pinned_with_the_digest(rootpin_bin, tmp):
    with Registry(tmp) as reg:
        images = Images(tmp, reg)
        ref = images.push("acme/web", "1")
        digest = registry_digest(reg.host, "acme/web", "1")
        rp = Rootpin(rootpin_bin, tmp, env=images.env())
        cap = run_with_journal(rp.argv("pin", ref, "--reason", "journal test"), journal_env(rp),
                               notify=True)
    assert cap.returncode == 0, cap.stderr
    pinned = [e for e in cap.entries if e.get("MESSAGE_ID") == MESSAGE_IDS["image-pinned"]]
    assert len(pinned) == 1, [dict(e.fields) for e in cap.entries]
    (e,) = pinned
    assert e["ROOTPIN_IMAGE"] == ref
    assert e["ROOTPIN_DIGEST"] == digest
    assert e["SYSLOG_IDENTIFIER"] == "rootpin"
    assert int(e["PRIORITY"]) in (5, 6)
    assert ref in e["MESSAGE"]
    # Progress reached systemd as STATUS= lines, naming the image.
    assert any(n.startswith("STATUS=") and ref in n for n in cap.notifications), cap.notifications


def test_a_failing_rootpin_logs_an_error_entry(rootpin_bin, tmp):
    with Registry(tmp) as reg:
        images = Images(tmp, reg)
        ref = f"{reg.host}/acme/missing:1"
        rp = Rootpin(rootpin_bin, tmp, env=images.env())
        cap = run_with_journal(rp.argv("pin", ref), journal_env(rp))
    assert cap.returncode == 1, cap.stderr
    assert not [e for e in cap.entries if e.get("MESSAGE_ID") == MESSAGE_IDS["image-pinned"]]
    errors = [e for e in cap.entries if e["PRIORITY"] == "3"]
    assert errors, f"no PRIORITY=3 entry; stderr was: {cap.stderr}"
    assert any(ref in e["MESSAGE"] for e in errors), [e["MESSAGE"] for e in errors]
