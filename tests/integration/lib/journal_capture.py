"""Receive what a program sends to journald, for real, without a journald.

run_with_journal() runs a command in a private mount namespace (`unshare -m`) where a
tmpfs covers /run/systemd and an AF_UNIX datagram socket is bound at
/run/systemd/journal/socket, the path libsystemd's sd_journal_send() writes to. It
receives the datagrams (and the memfds libsystemd passes with SCM_RIGHTS when an entry
is too big for one datagram), parses the native journal protocol and returns the entries.
A second socket given as NOTIFY_SOCKET collects sd_notify() messages.

The host's /run is never written: the tmpfs exists only in the namespace.
"""
import array
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field

JOURNAL_DIR = "/run/systemd/journal"
JOURNAL_SOCKET = JOURNAL_DIR + "/socket"
RECV_BUFFER = 16 * 1024 * 1024


@dataclass
class Entry:
    fields: list            # [(key, value)] in wire order, values as str
    binary_keys: set = field(default_factory=set)  # keys sent in the length-prefixed form
    via_memfd: bool = False

    def get(self, key, default=None):
        values = [v for k, v in self.fields if k == key]
        assert len(values) <= 1, f"field {key} sent {len(values)} times in one entry"
        return values[0] if values else default

    def __getitem__(self, key):
        v = self.get(key)
        if v is None:
            raise KeyError(key)
        return v


@dataclass
class Capture:
    returncode: int
    stdout: str
    stderr: str
    entries: list
    notifications: list


def parse_native(payload):
    """Parses one entry of the native protocol (systemd's JOURNAL_NATIVE_PROTOCOL.md).

    Each field is either `KEY=value\\n`, or `KEY\\n` + little-endian u64 length + the value
    bytes + `\\n` for values that hold a newline or binary data. Raises ValueError on any
    malformed input, so a broken encoder fails the test rather than being half-read.
    """
    fields, binary_keys = [], set()
    pos = 0
    while pos < len(payload):
        nl = payload.find(b"\n", pos)
        eq = payload.find(b"=", pos)
        if nl < 0:
            raise ValueError(f"field at offset {pos} has no terminating newline")
        if 0 <= eq < nl:
            key, value = payload[pos:eq], payload[eq + 1:nl]
            pos = nl + 1
        else:
            key = payload[pos:nl]
            if nl + 9 > len(payload):
                raise ValueError(f"binary field {key!r} truncated before its length")
            (size,) = struct.unpack_from("<Q", payload, nl + 1)
            start = nl + 9
            end = start + size
            if end + 1 > len(payload):
                raise ValueError(f"binary field {key!r} truncated: {size} bytes announced")
            if payload[end:end + 1] != b"\n":
                raise ValueError(f"binary field {key!r} not followed by a newline")
            value = payload[start:end]
            binary_keys.add(key.decode())
            pos = end + 1
        if not key or not all(c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_" for c in key):
            raise ValueError(f"invalid field name {key!r}")
        fields.append((key.decode(), value.decode("utf-8", "surrogateescape")))
    return fields, binary_keys


def _receive(sock, out, stop):
    """Reads datagrams until `stop` is set and the queue is empty."""
    sock.settimeout(0.1)
    fd_size = array.array("i").itemsize
    while True:
        try:
            data, ancdata, _flags, _addr = sock.recvmsg(RECV_BUFFER, socket.CMSG_SPACE(4 * fd_size))
        except socket.timeout:
            if stop.is_set():
                return
            continue
        fds = array.array("i")
        for level, kind, cdata in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(cdata[:len(cdata) - (len(cdata) % fd_size)])
        via_memfd = False
        for fd in fds:
            # libsystemd sends an empty datagram and the entry in a sealed memfd.
            size = os.fstat(fd).st_size
            data = os.pread(fd, size, 0)
            os.close(fd)
            via_memfd = True
        out.append((data, via_memfd))


def _child(spec_path):
    """Runs inside the namespace: set up the sockets, run the command, write results."""
    with open(spec_path) as f:
        spec = json.load(f)
    base = "/run/systemd" if os.path.isdir("/run/systemd") else "/run"
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "rootpin-test", base], check=True)
    os.makedirs(JOURNAL_DIR, exist_ok=True)
    received, notes = [], []
    stop = threading.Event()
    threads = []
    sockets = []
    if spec["journal_socket"]:
        js = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        js.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        js.bind(JOURNAL_SOCKET)
        sockets.append(js)
        threads.append(threading.Thread(target=_receive, args=(js, received, stop)))
    env = dict(spec["env"])
    if spec["notify"]:
        path = os.path.join(base, "notify")
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(path)
        sockets.append(ns)
        threads.append(threading.Thread(target=_receive, args=(ns, notes, stop)))
        env["NOTIFY_SOCKET"] = path
    for t in threads:
        t.start()
    try:
        proc = subprocess.run(spec["argv"], env=env, capture_output=True,
                              timeout=spec["timeout"], stdin=subprocess.DEVNULL)
    finally:
        stop.set()
        for t in threads:
            t.join()
    result = {
        "returncode": proc.returncode,
        "stdout": proc.stdout.decode("utf-8", "replace"),
        "stderr": proc.stderr.decode("utf-8", "replace"),
        "datagrams": [(d.hex(), m) for d, m in received],
        "notifications": [d.decode("utf-8", "replace") for d, _ in notes],
    }
    with open(spec["result"], "w") as f:
        json.dump(result, f)


def run_with_journal(argv, env=None, *, notify=False, journal_socket=True, timeout=120):
    """Runs argv with a capturing journal socket; returns a Capture.

    env replaces the environment (PATH is kept); journal_socket=False leaves the socket
    path absent, as on a host without journald.
    """
    with tempfile.TemporaryDirectory(prefix="rootpin-journal-") as tmp:
        spec = {
            "argv": [str(a) for a in argv],
            "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(env or {})},
            "notify": notify,
            "journal_socket": journal_socket,
            "timeout": timeout,
            "result": os.path.join(tmp, "result.json"),
        }
        spec_path = os.path.join(tmp, "spec.json")
        with open(spec_path, "w") as f:
            json.dump(spec, f)
        subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                        os.path.abspath(__file__), spec_path],
                       check=True, timeout=timeout + 30)
        with open(spec["result"]) as f:
            result = json.load(f)
    entries = []
    for hexdata, via_memfd in result["datagrams"]:
        fields, binary_keys = parse_native(bytes.fromhex(hexdata))
        entries.append(Entry(fields, binary_keys, via_memfd))
    return Capture(result["returncode"], result["stdout"], result["stderr"], entries,
                   result["notifications"])


if __name__ == "__main__":
    _child(sys.argv[1])
