#!/usr/bin/python3
"""A loopback TCP proxy that makes a local registry look like one across a WAN.

Every chunk forwarded is held back DELAY ms in each direction (latency, pipelined: chunks in
flight overlap, as on a real link), and a token bucket per direction caps the rate at RATE
Mbit/s: with cap="link", one bucket shared by all connections (the host's own link is the
limit: concurrency cannot buy bandwidth the link does not have); with cap="connection", one
per connection (each flow is limited, as TCP over a long path or a registry's per-connection
throttle is, and parallel flows add up). It counts connections and HTTP requests (request lines seen from clients; the
registry it fronts speaks plain HTTP). It stops by itself after --max-seconds.

In a benchmark (a thread of the calling process):
    with Proxy(target_port, delay_ms=25, rate_mbit=100, cap="link") as p:
        p.host                        # "127.0.0.1:PORT" to point clients at
        p.requests, p.connections     # counters so far
        p.reset_counters()
From a shell:
    bench/proxy.py --target 127.0.0.1:5000 [--port 0] [--delay-ms 25] [--rate-mbit 100]
                   [--cap link|connection] [--max-seconds 1800] [--stats FILE]
    (prints "127.0.0.1:PORT" on its first line; --stats is rewritten with the counters)
"""
import argparse
import asyncio
import json
import os
import re
import socket
import sys
import threading
import time

CHUNK = 16 * 1024        # small chunks keep the bucket smooth
QUEUE_CHUNKS = 64        # per direction per connection: back-pressure on the sender
BURST_BYTES = 64 * 1024  # what the bucket lets through at once after an idle spell
_REQUEST_LINE = re.compile(rb"(?:^|\r\n)(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \S+ HTTP/1\.[01]\r\n")


class TokenBucket:
    """Virtual-time bucket: each send books the link for size/rate seconds after the last
    booking, so concurrent senders queue fairly for one link of `rate` bytes/s."""

    def __init__(self, rate_bytes):
        self.rate = rate_bytes
        self.next_free = 0.0

    async def take(self, size):
        if not self.rate:
            return
        now = time.monotonic()
        start = max(self.next_free, now - BURST_BYTES / self.rate)
        self.next_free = start + size / self.rate
        if self.next_free > now:
            await asyncio.sleep(self.next_free - now)


class _Counter:
    """Counts HTTP request lines in a client's byte stream, across chunk boundaries."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.tail = b"\r\n"  # the stream starts at a message boundary

    def feed(self, data):
        buf = self.tail + data
        end = 0
        for m in _REQUEST_LINE.finditer(buf):
            self.proxy._count_requests(1)
            end = m.end()
        # Keep what could begin a request line split by the chunk boundary, never a line
        # already counted.
        self.tail = buf[max(end, len(buf) - 512):]


class Proxy:
    def __init__(self, target_port, delay_ms=25, rate_mbit=100, cap="link",
                 target_host="127.0.0.1", port=0, max_seconds=1800, stats_path=None):
        if cap not in ("link", "connection"):
            raise ValueError(f"cap must be link or connection, not {cap!r}")
        self.target = (target_host, target_port)
        self.delay = delay_ms / 1000.0
        self.rate = rate_mbit * 1_000_000 / 8 if rate_mbit else 0
        self.cap = cap
        self.link = self._buckets()
        self.port = port
        self.max_seconds = max_seconds
        self.stats_path = stats_path
        self.requests = 0
        self.connections = 0
        self.bytes = {"up": 0, "down": 0}
        self._lock = threading.Lock()
        self._loop = None
        self._thread = None
        self._stopped = None
        self._tasks = set()

    def _buckets(self):
        return {"up": TokenBucket(self.rate), "down": TokenBucket(self.rate)}

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    def reset_counters(self):
        with self._lock:
            self.requests = 0
            self.connections = 0
            self.bytes = {"up": 0, "down": 0}
        self._write_stats()

    def stats(self):
        with self._lock:
            return {"requests": self.requests, "connections": self.connections,
                    "bytes_up": self.bytes["up"], "bytes_down": self.bytes["down"]}

    def _count_requests(self, n):
        with self._lock:
            self.requests += n
        self._write_stats()

    def _write_stats(self):
        if not self.stats_path:
            return
        tmp = self.stats_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.stats(), f)
        os.replace(tmp, self.stats_path)

    async def _pump(self, reader, writer, direction, buckets, counter):
        queue = asyncio.Queue(QUEUE_CHUNKS)

        async def read_side():
            while True:
                data = await reader.read(CHUNK)
                await queue.put((time.monotonic() + self.delay, data))
                if not data:
                    return
                if counter:
                    counter.feed(data)

        async def write_side():
            while True:
                due, data = await queue.get()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                await buckets[direction].take(len(data))
                writer.write(data)
                await writer.drain()
                with self._lock:
                    self.bytes[direction] += len(data)

        reading = asyncio.ensure_future(read_side())
        try:
            await write_side()
        finally:
            reading.cancel()

    async def _serve(self, client_r, client_w):
        self._tasks.add(asyncio.current_task())
        with self._lock:
            self.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        for w in (client_w, server_w):
            sock = w.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buckets = self.link if self.cap == "link" else self._buckets()
        try:
            await asyncio.gather(self._pump(client_r, server_w, "up", buckets, _Counter(self)),
                                 self._pump(server_r, client_w, "down", buckets, None))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            for w in (client_w, server_w):
                w.close()
            self._tasks.discard(asyncio.current_task())

    async def _main(self, ready):
        server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = server.sockets[0].getsockname()[1]
        self._stopped = asyncio.Event()
        self._write_stats()
        ready.set()
        try:
            await asyncio.wait_for(self._stopped.wait(), self.max_seconds)
        except asyncio.TimeoutError:
            print(f"proxy: stopping after {self.max_seconds} s", file=sys.stderr)
        server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await server.wait_closed()

    def serve_forever(self, on_ready=None):
        """Runs in the calling thread until stop() or --max-seconds."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        if on_ready:
            threading.Thread(target=lambda: (ready.wait(), on_ready(self)), daemon=True).start()
        try:
            self._loop.run_until_complete(self._main(ready))
        finally:
            self._loop.close()

    def start(self):
        started = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever,
                                        kwargs={"on_ready": lambda _: started.set()},
                                        daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("proxy did not start")
        return self

    def stop(self):
        if self._loop and self._stopped and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread:
            self._thread.join(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", required=True, help="HOST:PORT to forward to")
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    ap.add_argument("--delay-ms", type=float, default=25, help="delay each way (25)")
    ap.add_argument("--rate-mbit", type=float, default=100, help="link cap each way (100)")
    ap.add_argument("--cap", choices=("link", "connection"), default="link",
                    help="rate shared by all connections (link) or per connection")
    ap.add_argument("--max-seconds", type=float, default=1800, help="stop after (1800)")
    ap.add_argument("--stats", help="JSON file kept up to date with the counters")
    args = ap.parse_args()
    host, _, port = args.target.rpartition(":")
    proxy = Proxy(int(port), args.delay_ms, args.rate_mbit, args.cap, host or "127.0.0.1",
                  args.port, args.max_seconds, args.stats)
    proxy.serve_forever(on_ready=lambda p: print(p.host, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
