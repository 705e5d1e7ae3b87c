"""A fleet behind one registry pull-through cache (issue 12, point 6), with real parts only:
ten hosts, each in its own network namespace with its own rootpin state dir, store and
runroot; an origin registry and a pull-through cache (Debian's docker-registry with
`proxy: remoteurl:`) in a hub namespace; the hosts' registries.conf names the cache as a
mirror of the origin (`[[registry.mirror]]`), the way docs/fleet.md tells a fleet to.

rootpin has no fleet logic of its own: the point is that its pulls go through the mirror
like any podman pull, so the origin serves each blob once per cache miss and never again
whatever the fleet's size, and that roots whose units name digests still bind through the
cache with the origin gone.

"Once per miss" is counted as the cache makes it: docker-registry 2.8's proxy answers a
missed blob by streaming it from the origin to the client while a second fetch stores it
(registry/proxy/proxyblobstore.go: copyContent, and storeLocal in a goroutine), so the
canary's miss costs the origin two GETs of each blob; every other host costs it none.
"""
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess

from images import Images
from netns import Fleet
from ostree_fixture import container_unit, image_unit
from registry import Registry

HOSTS = 10
CANARY, WAVE, LATE = 1, 7, 2  # the late ones bind with the origin stopped
assert CANARY + WAVE + LATE == HOSTS
BLOB_GET = re.compile(r"^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$")


def push_by_digest(pusher, net, name):
    """Pushes name:1 to the origin; returns name@digest as the origin serves it."""
    ref = pusher.push(name, "1")
    raw = net.run(net.hub, ["skopeo", "inspect", "--raw", "--tls-verify=false",
                            f"docker://{ref}"], capture_output=True, check=True).stdout
    return ref.rsplit(":", 1)[0] + "@sha256:" + hashlib.sha256(raw).hexdigest()


def make_root(path, web, logs):
    units = os.path.join(path, "usr/share/containers/systemd")
    bound = os.path.join(path, "usr/lib/rootpin/bound-images.d")
    os.makedirs(units)
    os.makedirs(bound)
    for name, text in (("web.image", image_unit("web", web)),
                       ("logs.container", container_unit("logs", logs))):
        with open(os.path.join(units, name), "w") as f:
            f.write(text)
        os.symlink(f"/usr/share/containers/systemd/{name}", os.path.join(bound, name))


def write_registries_conf(path, origin, cache):
    with open(path, "w") as f:
        f.write('unqualified-search-registries = []\n'
                f'[[registry]]\nlocation = "{origin.host}"\ninsecure = true\n'
                f'[[registry.mirror]]\nlocation = "{cache.host}"\ninsecure = true\n'
                # docs/fleet.md's advice: units name digests, tags stay at the origin.
                'pull-from-mirror = "digest-only"\n')


def blob_gets(registry, since=0):
    """{digest: number of GETs} of blobs, over the registry's requests from index `since`."""
    counts = {}
    for method, path in registry.requests()[since:]:
        m = BLOB_GET.match(path)
        if method == "GET" and m:
            counts[m.group(2)] = counts.get(m.group(2), 0) + 1
    return counts


class Host:
    def __init__(self, rootpin_bin, tmp, net, ns, registries_conf):
        self.net, self.ns = net, ns
        base = os.path.join(tmp, ns)
        self.state = os.path.join(base, "state")
        self.argv = [rootpin_bin, "--state-dir", self.state, "--store", os.path.join(base, "store"),
                     "--runroot", os.path.join(base, "run"), "--sysroot", os.path.join(base, "sysroot"),
                     "--config-dir", os.path.join(base, "etc")]
        self.env = dict(os.environ, CONTAINERS_REGISTRIES_CONF=registries_conf, ROOTPIN_LOG="stderr")
        os.makedirs(os.path.join(base, "etc"))

    def rootpin(self, *args):
        return self.net.run(self.ns, self.argv + list(args), capture_output=True, text=True,
                            env=self.env, timeout=600)

    def bound_digests(self):
        with open(os.path.join(self.state, "ledger.json")) as f:
            ledger = json.load(f)
        return sorted(i["digest"] for i in ledger["roots"]["fleet/1"]["images"])


def test_ten_hosts_behind_one_cache_cost_the_origin_each_blob_once_per_miss(rootpin_bin, tmp):
    with Fleet(f"rpf{os.getpid() % 100000}", hosts=HOSTS) as net:
        origin = Registry(tmp, name="origin", addr=net.hub_addr, port=5000, netns=net.hub)
        cache = Registry(tmp, name="cache", addr=net.hub_addr, port=5001, netns=net.hub,
                         proxy=f"http://{origin.host}")
        with origin, cache:
            pusher = Images(tmp, origin)
            pusher.podman = net.hub_prefix() + pusher.podman
            web = push_by_digest(pusher, net, "acme/web")
            logs = push_by_digest(pusher, net, "acme/logs")
            root = os.path.join(tmp, "os-root")
            make_root(root, web, logs)
            conf = os.path.join(tmp, "fleet-registries.conf")
            write_registries_conf(conf, origin, cache)
            origin_start = len(origin.requests())
            hosts = [Host(rootpin_bin, tmp, net, ns, conf) for ns in net.hosts]

            def bind(host):
                r = host.rootpin("bind", "--root", root, "--root-id", "fleet/1")
                assert r.returncode == 0, f"{host.ns}: {r.stderr}"
                return host

            # A canary first, as a fleet rolls out; then a wave at once (4 at a time here).
            bind(hosts[0])
            served = blob_gets(origin, origin_start)
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(bind, hosts[CANARY:CANARY + WAVE]))
            assert blob_gets(origin, origin_start) == served, "the wave reached the origin"

            # The origin goes away: roots whose units name digests still bind.
            origin.stop()
            for host in hosts[CANARY + WAVE:]:
                bind(host)

            expected = sorted(d.split("@", 1)[1] for d in (web, logs))
            for host in hosts:
                assert host.bound_digests() == expected, host.ns
            # Every blob of both images (a layer and a config each) came from the origin on
            # the canary's miss only (see the docstring for why that is 1 or 2 GETs); the
            # cache served each to every host.
            assert len(served) == 4, served
            assert set(served.values()) <= {1, 2}, served
            at_cache = blob_gets(cache)
            assert set(at_cache) == set(served), (at_cache, served)
            assert set(at_cache.values()) == {HOSTS}, at_cache
            print(f"origin blob GETs: {served}; cache blob GETs: {at_cache}")
