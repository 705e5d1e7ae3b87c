"""rootpin pin/unpin/status/gc against real podman and a real docker-registry."""
import json
import os
import subprocess

import podman_leg


def consumer(tmp, rp, images):
    """A podman with its own store that reads rootpin's store as an additional image store."""
    base = os.path.join(tmp, "consumer")
    cmd = [*podman_leg.store_argv(os.path.join(base, "root"), os.path.join(base, "run")),
           "--storage-opt", f"additionalimagestore={rp.store}"]

    def run(*args, check=True):
        r = subprocess.run(cmd + list(args), capture_output=True, text=True,
                           env={**os.environ, **images.env()})
        if check:
            assert r.returncode == 0, f"podman {args}: {r.stderr}"
        return r
    return run


def test_pinned_image_survives_consumer_prunes_and_registry_outage(tmp, pins):
    reg, images, rp = pins.reg, pins.images, pins.rp
    ref = images.push("acme/web", "1")
    rp.run("pin", ref, "--reason", "web front end", check=True)
    podman = consumer(tmp, rp, images)
    assert ref in podman("images", "--format", "{{.Repository}}:{{.Tag}}").stdout
    podman("rmi", ref, check=False)
    podman("image", "prune", "-a", "-f")
    podman("system", "prune", "-a", "-f")
    assert podman("image", "exists", ref, check=False).returncode == 0
    reg.stop()
    podman("create", "--pull=never", "--name", "c1", ref, "/hello")
    assert len(rp.store_images()) == 1


def test_pin_of_present_image_makes_no_registry_request(pins):
    reg, images, rp = pins.reg, pins.images, pins.rp
    ref = images.push("acme/web", "1")
    rp.run("pin", ref, check=True)
    before = reg.request_count()
    r = rp.run("pin", ref, "--json", check=True)
    assert reg.request_count() == before
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e["event"] for e in events] == ["pinned"]
    assert events[0]["pulled"] is False


def test_pin_twice_is_one_pin_and_records_digest_and_id(pins):
    images, rp = pins.images, pins.rp
    ref = images.push("acme/web", "1")
    rp.run("pin", ref, "--reason", "first", check=True)
    rp.run("pin", ref, check=True)
    recorded = rp.ledger()["pins"]
    assert len(recorded) == 1
    stored = rp.store_images()
    assert len(stored) == 1
    assert recorded[0]["image_id"] == stored[0]["Id"]
    assert recorded[0]["digest"] == stored[0]["Digest"]
    assert recorded[0]["reason"] == "first"
    assert recorded[0]["reference"] == ref


def test_status_shows_holders_and_store(pins):
    images, rp = pins.images, pins.rp
    ref = images.push("acme/web", "1")
    rp.run("pin", ref, "--reason", "needed at boot", check=True)
    status = json.loads(rp.run("status", "--json", check=True).stdout)
    assert status["store"]["images"] == 1
    assert status["store"]["size"] > 0
    held = status["held"]
    assert len(held) == 1 and ref in held[0]["names"]
    assert held[0]["held_by"][0]["kind"] == "pin"
    assert held[0]["held_by"][0]["reason"] == "needed at boot"
    plain = rp.run("status", check=True).stdout
    assert "needed at boot" in plain and ref in plain


def test_unpin_then_gc_removes_and_gc_keeps_held(pins):
    images, rp = pins.images, pins.rp
    keep = images.push("acme/keep", "1")
    drop = images.push("acme/drop", "1")
    rp.run("pin", keep, check=True)
    rp.run("pin", drop, check=True)
    assert len(rp.store_ids()) == 2
    rp.run("gc", check=True)
    assert len(rp.store_ids()) == 2          # both held
    digest = rp.ledger()["pins"][1]["digest"]
    rp.run("unpin", digest, check=True)      # by digest
    dry = rp.run("gc", "--dry-run", check=True)
    assert "would remove" in dry.stdout and len(rp.store_ids()) == 2
    rp.run("gc", check=True)
    names = [n for i in rp.store_images() for n in i["Names"]]
    assert names == [keep]
    rp.run("unpin", keep, check=True)        # by reference
    rp.run("gc", check=True)
    assert rp.store_ids() == []
    assert rp.ledger()["pins"] == []


def test_gc_removes_an_image_pinned_under_two_tags(pins):
    """podman removes an image by its ID only while it has one name at most ("please force
    removal"; --force would take containers too): gc untags the other names first. Every name
    in rootpin's store is rootpin's."""
    images, rp = pins.images, pins.rp
    ref = images.push("acme/web", "1")
    alias = ref.rsplit(":", 1)[0] + ":alias"
    images.run(["push", "-q", "--tls-verify=false", "localhost/acme/web:1", alias])
    rp.run("pin", ref, alias, check=True)
    assert {n for i in rp.store_images() for n in i["Names"]} == {ref, alias}
    rp.run("unpin", ref, alias, check=True)
    r = rp.run("gc")
    assert r.returncode == 0, r.stderr
    assert rp.store_ids() == []


def test_unpin_of_unknown_pin_fails(pins):
    rp = pins.rp
    r = rp.run("unpin", "127.0.0.1:1/nothing:1")
    assert r.returncode == 1
    assert "no admin pin matches" in r.stderr


def test_gc_refuses_when_roots_recorded_and_no_sysroot(pins):
    images, rp = pins.images, pins.rp
    ref = images.push("acme/web", "1")
    rp.run("pin", ref, check=True)
    rp.run("unpin", ref, check=True)
    ledger = rp.ledger()
    ledger["roots"] = {"os/abc.0": {"bound_at": "2024-01-01T00:00:00Z", "images": []}}
    with open(rp.ledger_path, "w") as f:
        json.dump(ledger, f)
    r = rp.run("gc")
    assert r.returncode == 1
    assert "refusing to gc" in r.stderr and "1 root" in r.stderr
    assert len(rp.store_ids()) == 1


def test_bad_flag_is_usage_error(pins):
    rp = pins.rp
    r = rp.run("pin", "--no-such-flag", "x")
    assert r.returncode == 2
    assert "Usage" in r.stderr
