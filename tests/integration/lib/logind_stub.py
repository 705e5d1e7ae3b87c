"""A private D-Bus daemon with a stub logind on it, for testing rootpin's shutdown inhibitor
without the host's system bus (which a test must never touch).

    with PrivateLogind(tmp) as logind:
        env = logind.env()            # {"DBUS_SYSTEM_BUS_ADDRESS": "unix:path=..."}
        ... run rootpin with env ...
        logind.events()               # [{"event": "inhibit", "what": ..., "id": 1}, {"event": "release", "id": 1}]
        logind.held()                 # ids taken and not released yet
    PrivateLogind(tmp, refuse=True)   # Inhibit answers AccessDenied, as logind does for an
                                      # unprivileged caller
    PrivateLogind(tmp, logind=False)  # a bus without logind

The stub implements org.freedesktop.login1.Manager.Inhibit(ssss) -> h as logind does: it
hands back the write end of a pipe and keeps the read end; the inhibitor is released when
every copy of the write end is closed (the read end sees EOF), which the stub logs.
Run as a script, this file is the stub service itself (Debian's python3-dbus, python3-gi).
"""
import json
import os
import subprocess
import sys
import time

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>rootpin-test</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    <allow user="*"/>
  </policy>
</busconfig>
"""


class PrivateLogind:
    def __init__(self, workdir, refuse=False, logind=True):
        self.dir = os.path.join(workdir, "dbus")
        os.makedirs(self.dir, exist_ok=True)
        self.socket = os.path.join(self.dir, "system_bus_socket")
        self.address = f"unix:path={self.socket}"
        self.log = os.path.join(self.dir, "logind-events.jsonl")
        self.refuse = refuse
        self.with_logind = logind
        self.daemon = None
        self.stub = None

    def env(self):
        return {"DBUS_SYSTEM_BUS_ADDRESS": self.address}

    def __enter__(self):
        config = os.path.join(self.dir, "bus.conf")
        with open(config, "w") as f:
            f.write(BUS_CONFIG.format(socket=self.socket))
        self.daemon = subprocess.Popen(["dbus-daemon", "--nofork", "--nopidfile",
                                        f"--config-file={config}", "--print-address=1"],
                                       stdout=subprocess.PIPE, text=True)
        self.daemon.stdout.readline()  # the address: the daemon is listening
        if self.with_logind:
            open(self.log, "w").close()
            argv = ["/usr/bin/python3", os.path.abspath(__file__), self.address, self.log]
            if self.refuse:
                argv.append("--refuse")
            self.stub = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
            line = self.stub.stdout.readline()
            assert line.strip() == "ready", f"logind stub did not start: {line!r}"
        return self

    def __exit__(self, *exc):
        for p in (self.stub, self.daemon):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def events(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def held(self):
        taken = [e["id"] for e in self.events() if e["event"] == "inhibit"]
        released = {e["id"] for e in self.events() if e["event"] == "release"}
        return [i for i in taken if i not in released]

    def wait_released(self, timeout=10):
        deadline = time.monotonic() + timeout
        while self.held() and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.held()


def _serve(address, log_path, refuse):
    import dbus
    import dbus.service
    from dbus.mainloop.glib import DBusGMainLoop
    from gi.repository import GLib

    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    counter = [0]

    def log(**event):
        with open(log_path, "a") as f:
            f.write(json.dumps(event) + "\n")

    class Manager(dbus.service.Object):
        @dbus.service.method("org.freedesktop.login1.Manager", in_signature="ssss",
                             out_signature="h")
        def Inhibit(self, what, who, why, mode):
            if refuse:
                raise dbus.exceptions.DBusException(
                    "Access denied", name="org.freedesktop.DBus.Error.AccessDenied")
            counter[0] += 1
            ident = counter[0]
            r, w = os.pipe()
            log(event="inhibit", id=ident, what=str(what), who=str(who), why=str(why),
                mode=str(mode))

            def on_hup(fd, condition):
                log(event="release", id=ident)
                os.close(fd)
                return False
            GLib.io_add_watch(r, GLib.PRIORITY_DEFAULT, GLib.IO_HUP | GLib.IO_IN, on_hup)
            fd = dbus.types.UnixFd(w)  # duplicates w
            os.close(w)
            return fd

    name = dbus.service.BusName("org.freedesktop.login1", bus)  # noqa: F841 (kept alive)
    Manager(bus, "/org/freedesktop/login1")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2], "--refuse" in sys.argv[3:])
