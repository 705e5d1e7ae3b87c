"""rootpin pin failures: each exits 1 with a clear message and leaves ledger and store as
they were. Registry auth with htpasswd (bcrypt)."""
import os

import pytest

from images import Images, write_authfile
from registry import Registry
from rootpin import Rootpin


def assert_fails_unchanged(rp, args, *needles):
    before = rp.snapshot()
    r = rp.run(*args)
    assert r.returncode == 1, r.stderr
    assert r.stderr.splitlines()[-1].startswith("rootpin: error: "), r.stderr
    for n in needles:
        assert n in r.stderr, r.stderr
    assert rp.snapshot() == before


def test_unknown_tag(pinned):
    reg, rp = pinned.reg, pinned.rp
    ref = f"{reg.host}/acme/base:nope"
    assert_fails_unchanged(rp, ["pin", ref], ref, "manifest unknown")


def test_registry_down(pinned):
    reg, images, rp = pinned.reg, pinned.images, pinned.rp
    ref = images.push("acme/web", "1")
    reg.stop()
    assert_fails_unchanged(rp, ["pin", ref], ref, "connection refused")


@pytest.mark.parametrize("ref", ["--root=/x", "quay.io/acme/web 1", "quay.io/acme/web:1 "])
def test_malformed_reference(pinned, ref):
    rp = pinned.rp
    assert_fails_unchanged(rp, ["pin", "--", ref], "invalid image reference", repr(ref)[1:-1])


def test_htpasswd_registry_with_and_without_authfile(tmp, rootpin_bin):
    with Registry(tmp, users={"alice": "s3cret"}, name="authreg") as reg:
        images = Images(tmp, reg)
        auth = write_authfile(os.path.join(tmp, "auth.json"), reg, "alice", "s3cret")
        ref = images.push("private/app", "1", authfile=auth)
        # No credentials anywhere podman looks by default.
        empty = os.path.join(tmp, "empty-auth.json")
        with open(empty, "w") as f:
            f.write('{"auths": {}}')
        rp = Rootpin(rootpin_bin, tmp, env={**images.env(), "REGISTRY_AUTH_FILE": empty})
        r = rp.run("pin", ref)
        assert r.returncode == 1
        last = r.stderr.splitlines()[-1]
        assert ref in last and ("authentication required" in last or "unauthorized" in last), r.stderr
        assert rp.store_ids() == [] and not rp.ledger()
        r = rp.run("pin", ref, "--creds", "alice:wrong")
        assert r.returncode == 1 and "wrong" not in r.stderr
        rp.run("pin", ref, "--authfile", auth, check=True)
        assert len(rp.ledger()["pins"]) == 1
        assert len(rp.store_ids()) == 1
