"""A real docker-registry (Debian's distribution 2.8) on 127.0.0.1 at a free port.

    with Registry(tmp) as reg:                       # filesystem storage under tmp
        reg.host                                     # "127.0.0.1:PORT"
        reg.requests()                               # access-log lines so far
        reg.stop(); reg.start()                      # same port, same data
    with Registry(tmp, users={"alice": "s3cret"}):   # htpasswd (bcrypt) auth
    with Registry(tmp, name="cache", addr="198.18.0.1", port=5001, netns="ns",
                  proxy="http://198.18.0.1:5000"):   # a pull-through cache, inside a
                                                     # network namespace the test made

Requests are counted from the registry's access log (one line per HTTP request), so a
test can prove that rootpin made none.
"""
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

_ACCESS = re.compile(r'"(GET|HEAD|POST|PUT|PATCH|DELETE) (\S+) HTTP/')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    def __init__(self, workdir, users=None, name="registry", addr="127.0.0.1", port=None,
                 netns=None, proxy=None):
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        self.port = port or free_port()
        self.host = f"{addr}:{self.port}"
        self.netns = netns
        self.proxy = proxy
        self.users = dict(users or {})
        self.log_path = os.path.join(self.dir, "registry.log")
        self.proc = None
        self._write_config()

    def _write_config(self):
        auth = ""
        if self.users:
            htpasswd = os.path.join(self.dir, "htpasswd")
            with open(htpasswd, "w") as f:
                for user, password in self.users.items():
                    out = subprocess.run(["htpasswd", "-Bbn", user, password], check=True,
                                         capture_output=True, text=True).stdout
                    f.write(out.strip() + "\n")
            auth = f"auth:\n  htpasswd:\n    realm: rootpin-test\n    path: {htpasswd}\n"
        if self.proxy:
            auth += f"proxy:\n  remoteurl: {self.proxy}\n"
        self.config = os.path.join(self.dir, "config.yml")
        with open(self.config, "w") as f:
            f.write("version: 0.1\n"
                    "log:\n  level: info\n  accesslog:\n    disabled: false\n"
                    f"storage:\n  filesystem:\n    rootdirectory: {self.dir}/data\n"
                    "  delete:\n    enabled: true\n"
                    f"http:\n  addr: {self.host}\n" + auth)

    def start(self):
        log = open(self.log_path, "a")
        start_offset = log.tell()
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        self.proc = subprocess.Popen(prefix + ["docker-registry", "serve", self.config],
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 30
        if self.netns:
            # Not reachable from this namespace: wait for the registry to say it listens.
            while not self._logged_since(start_offset, f"listening on {self.host}"):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    with open(self.log_path) as f:
                        raise RuntimeError(f"docker-registry did not start: {f.read()}")
                time.sleep(0.1)
            return
        while True:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1).close()
                return
            except urllib.error.HTTPError:
                return  # 401 with auth: it is up
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    with open(self.log_path) as f:
                        raise RuntimeError(f"docker-registry did not start: {f.read()}")
                time.sleep(0.1)

    def _logged_since(self, offset, needle):
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            return needle in f.read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def requests(self, path_prefix="/v2/"):
        """(method, path) of every request logged so far whose path starts with path_prefix."""
        try:
            with open(self.log_path, errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        return [(m.group(1), m.group(2)) for m in _ACCESS.finditer(text)
                if m.group(2).startswith(path_prefix)]

    def request_count(self, path_prefix="/v2/"):
        return len(self.requests(path_prefix))
