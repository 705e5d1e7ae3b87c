"""A TCP proxy on 127.0.0.1 in front of a test registry that injects registry faults.

    with FaultProxy(reg.port, mode="reset", reset_after=256 * 1024) as p:
        p.host                  # "127.0.0.1:PORT": pull through it
        p.connections           # connections accepted so far
        p.faults                # connections the fault was applied to
        p.mode = "pass"         # change the behaviour for new connections

Modes (per connection, as set when it is accepted):
    pass   forward both ways
    reset  forward, then reset the client connection (RST, not FIN) once `reset_after`
           bytes went to the client: a registry or middlebox dropping a layer half-way
    stall  accept and read the request, never answer (held until the proxy stops)
    stall_blobs
           forward, until the client asks for a blob: that request is never forwarded
           nor answered (held until the proxy stops); `stalled` (an Event) is set then, so
           a test knows that a pull is under way, past its manifest
    http500 answer every request "500 Internal Server Error" and close

Latency and bandwidth limits (a slow registry) are bench/proxy.py's job; the tests reuse
it for "slower than the bound".
"""
import re
import select
import socket
import struct
import threading

from registry import free_port

_ERROR_500 = (b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
              b"Content-Length: 21\r\nConnection: close\r\n\r\ninjected server error")


class FaultProxy:
    def __init__(self, target_port, mode="pass", reset_after=256 * 1024):
        self.target = ("127.0.0.1", target_port)
        self.mode = mode
        self.reset_after = reset_after
        self.port = free_port()
        self.connections = 0
        self.faults = 0
        self.stalled = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets = []
        self._listener = None
        self._thread = None

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    def __enter__(self):
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                _close(s)

    def _track(self, s):
        with self._lock:
            self._sockets.append(s)

    def _fault(self):
        with self._lock:
            self.faults += 1

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            self._track(client)
            threading.Thread(target=self._serve, args=(client, self.mode), daemon=True).start()

    def _serve(self, client, mode):
        if mode == "stall":
            self._fault()
            self._hold(client)
            return
        if mode == "http500":
            self._fault()
            try:
                client.recv(65536)
                client.sendall(_ERROR_500)
            except OSError:
                pass
            _close(client)
            return
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        self._track(upstream)
        if mode == "stall_blobs":
            threading.Thread(target=self._pump, args=(upstream, client, None), daemon=True).start()
            self._pump_until_blob(client, upstream)
            return
        threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
        limit = self.reset_after if mode == "reset" else None
        self._pump(upstream, client, limit)

    def _hold(self, client):
        """Reads (and drops) what the client sends, never answers, until the proxy stops."""
        while not self._stop.is_set():
            try:
                client.settimeout(0.2)
                if client.recv(65536) == b"":
                    return
            except socket.timeout:
                continue
            except OSError:
                return

    def _pump_until_blob(self, client, upstream):
        """client -> upstream until a blob is asked for; then hold the connection. The
        socket stays blocking (the other direction writes to it): select bounds the wait."""
        try:
            while not self._stop.is_set():
                if not select.select([client], [], [], 0.2)[0]:
                    continue
                data = client.recv(65536)
                if not data:
                    break
                if _BLOB_REQUEST.search(data):
                    self._fault()
                    self.stalled.set()
                    self._hold(client)
                    return
                upstream.sendall(data)
        except (OSError, ValueError):  # ValueError: the other direction closed the socket
            pass
        _close(upstream)
        _close(client)

    def _pump(self, src, dst, limit):
        """src -> dst; with a limit, reset dst once that many bytes were forwarded."""
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None and sent + len(data) >= limit:
                    dst.sendall(data[:max(limit - sent, 0)])
                    self._fault()
                    _reset(dst)
                    _close(src)
                    return
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        _close(dst)
        _close(src)


_BLOB_REQUEST = re.compile(rb"^GET \S*/blobs/", re.M)


def _reset(s):
    """Close with SO_LINGER 0: the peer gets a RST ("connection reset by peer")."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Wakes the thread blocked reading this socket: the socket is really closed (and
        # the RST sent) only when no thread holds it any more.
        s.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    _close(s)


def _close(s):
    try:
        s.close()
    except OSError:
        pass
