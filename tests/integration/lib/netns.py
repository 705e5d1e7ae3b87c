"""Network namespaces a test makes for itself: one hub namespace with a bridge, and hosts,
each in its own namespace with a veth pair to that bridge. Addresses are from
198.18.0.0/24 (RFC 2544's range for test networks) and exist only inside these
namespaces: nothing is routed to or from the machine's own network.

    with Fleet("rpf1234", hosts=10) as net:
        net.hub_addr                         # "198.18.0.1", where the registries listen
        net.run(net.hosts[0], argv, ...)     # subprocess.run inside host 0's namespace
        net.hub_prefix()                     # ["ip", "netns", "exec", hub]
"""
import subprocess

SUBNET = "198.18.0"


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


class Fleet:
    def __init__(self, tag, hosts):
        self.tag = tag
        self.hub = f"{tag}-hub"
        self.hub_addr = f"{SUBNET}.1"
        self.hosts = [f"{tag}-h{i}" for i in range(hosts)]
        self.made = []

    def __enter__(self):
        try:
            self._make()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _make(self):
        ip("netns", "add", self.hub)
        self.made.append(self.hub)
        ip("-n", self.hub, "link", "set", "lo", "up")
        ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
        ip("-n", self.hub, "addr", "add", f"{self.hub_addr}/24", "dev", "br0")
        ip("-n", self.hub, "link", "set", "br0", "up")
        for i, ns in enumerate(self.hosts):
            ip("netns", "add", ns)
            self.made.append(ns)
            ip("-n", ns, "link", "set", "lo", "up")
            # Made inside the host's namespace, its peer moved to the hub: the machine's
            # own namespace never sees either end.
            ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", f"p{i}",
               "netns", self.hub)
            ip("-n", ns, "addr", "add", f"{SUBNET}.{10 + i}/24", "dev", "eth0")
            ip("-n", ns, "link", "set", "eth0", "up")
            ip("-n", self.hub, "link", "set", f"p{i}", "master", "br0")
            ip("-n", self.hub, "link", "set", f"p{i}", "up")

    def __exit__(self, *exc):
        for ns in reversed(self.made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        self.made = []

    def prefix(self, ns):
        return ["ip", "netns", "exec", ns]

    def hub_prefix(self):
        return self.prefix(self.hub)

    def run(self, ns, argv, **kw):
        return subprocess.run(self.prefix(ns) + list(argv), **kw)
