#!/usr/bin/env python3
"""rootpin's whole story in a throwaway sandbox (run through tools/demo, which builds first).

Everything lives in one temp dir that is removed at the end, also on Ctrl-C: a registry
on 127.0.0.1, rootpin's store, runroot and state dir, an ostree repo served on loopback
and a sysroot that is not the host's. Nothing touches /var/lib/containers, /etc or /.

    tools/demo.py [--build-dir build]
"""
import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests/integration/lib"))
sys.path.insert(0, os.path.join(TOP, "tests/integration"))

import ostree_fixture  # noqa: E402
from cleanup import remove_tree  # noqa: E402
from images import Images  # noqa: E402
from registry import Registry  # noqa: E402
from rootpin import Rootpin  # noqa: E402

BOLD, DIM, RESET = ("\033[1m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "", "")


class Demo:
    def __init__(self, build_dir):
        self.rootpin_bin = os.path.join(build_dir, "src/rootpin")
        self.scan_bin = os.path.join(build_dir, "quadlet-scan/quadlet-scan")
        for b in (self.rootpin_bin, self.scan_bin):
            if not os.access(b, os.X_OK):
                sys.exit(f"tools/demo.py: {b} is not built (run tools/demo)")
        self.sandbox = tempfile.mkdtemp(prefix="rootpin-demo-")
        self.registry = None
        self.repo = None
        self.step_no = 0

    # -- output ---------------------------------------------------------------------
    def short(self, text):
        return text.replace(self.sandbox, "$SANDBOX")

    def step(self, title):
        self.step_no += 1
        print(f"\n{BOLD}{self.step_no}. {title}{RESET}", flush=True)

    def say(self, text):
        print(f"   {text}", flush=True)

    def show(self, display, argv, env=None):
        """Prints `$ display`, runs argv, prints its output indented; fails the demo on error."""
        print(f"   {DIM}${RESET} {self.short(display)}", flush=True)
        # Its own process group, so that an interrupted demo stops it with everything it
        # started (rootpin's podman pulls) before the sandbox is removed.
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, env=env, start_new_session=True)
        try:
            output, _ = proc.communicate()
        except BaseException:
            stop_group(proc)
            raise
        lines = output.rstrip("\n").splitlines()
        # rootpin logs each result to stderr and prints it on stdout: show it once.
        said = set(lines)
        for line in lines:
            if not (line.startswith("rootpin: ") and line[len("rootpin: "):] in said):
                print(f"     {self.short(line)}")
        if proc.returncode != 0:
            raise RuntimeError(f"{display} exited with {proc.returncode}")
        return output

    def run_ostree(self, argv, **kw):
        """ostree_fixture's runner, echoing each ostree command the fixture runs."""
        print(f"   {DIM}${RESET} {self.short(shlex.join(argv))}", flush=True)
        return self.fixture_run(argv, **kw)

    def rootpin(self, *args):
        return self.show("rootpin " + shlex.join(args), self.rp.argv(*args), env=self.rp.env)

    # -- the story --------------------------------------------------------------------
    def run(self):
        print(f"{BOLD}rootpin demo{RESET}: the sandbox is SANDBOX={self.sandbox}")
        self.registry = Registry(self.sandbox).__enter__()
        images = Images(self.sandbox, self.registry)
        self.rp = Rootpin(self.rootpin_bin, self.sandbox, env=images.env())
        self.rp.sysroot = os.path.join(self.sandbox, "sysroot")
        self.rp.env.pop("ROOTPIN_LOG", None)
        print("   every `rootpin` below runs with --sysroot $SANDBOX/sysroot --store "
              "$SANDBOX/rootpin/storage\n   --state-dir $SANDBOX/rootpin/state (not the host's)")

        self.step(f"A registry on {self.registry.host} with four small images")
        refs = {}
        for name, tag in [("acme/web", "1.4"), ("acme/log-forwarder", "2"),
                          ("acme/metrics", "0.9"), ("acme/etcd", "3.5")]:
            refs[name.split("/")[1]] = images.push(name, tag)
            self.say(f"pushed {refs[name.split('/')[1]]}")

        def units(*names):
            return {f"{n}.container": ostree_fixture.container_unit(n, refs[n]) for n in names}

        self.step("OS version 1 binds web and log-forwarder: commit it, deploy it")
        self.fixture_run = ostree_fixture.run
        ostree_fixture.run = self.run_ostree
        try:
            v1 = units("web", "log-forwarder")
            self.repo = ostree_fixture.Repo(self.sandbox)
            self.repo.commit("1", v1, list(v1))
            self.repo.serve()
            sysroot = ostree_fixture.Sysroot(self.sandbox, self.repo.url)
            sysroot.deploy()
        finally:
            ostree_fixture.run = self.fixture_run
        root_id = sysroot.root_ids()[0]
        osname, rest = root_id.split("/")
        deployment = os.path.join(sysroot.path, "ostree/deploy", osname, "deploy", rest)

        self.step("What version 1 binds, read from its deployment (nothing is executed)")
        self.show(f"quadlet-scan --root {deployment}", [self.scan_bin, "--root", deployment])

        self.step("Bind version 1: pull its images into rootpin's store and pin them")
        self.rootpin("bind", "--deployment", "0")

        self.step("OS version 2 binds web, metrics and etcd (log-forwarder is gone)")
        v2 = units("web", "metrics", "etcd")
        ostree_fixture.run = self.run_ostree
        try:
            self.repo.commit("2", v2, list(v2))
        finally:
            ostree_fixture.run = self.fixture_run

        self.step("Is there an update, and what would it pull? (deploys and pulls nothing)")
        self.rootpin("upgrade", "--check")

        self.step("Upgrade: pull version 2, deploy it, pull and pin its images, as one transaction")
        before = self.registry.request_count("/v2/acme/web/")
        self.rootpin("upgrade")
        web_requests = self.registry.request_count("/v2/acme/web/") - before
        self.say(f"registry requests for acme/web during the upgrade: {web_requests} "
                 "(already pinned, not pulled again)")
        self.show(f"ostree admin status --sysroot={sysroot.path}",
                  ["ostree", "admin", "status", f"--sysroot={sysroot.path}"])

        self.step("What rootpin holds, root by root")
        self.rootpin("status")

        self.step("An admin pins etcd by hand, with a reason")
        self.rootpin("pin", refs["etcd"], "--reason", "etcd member: keep 3.5 until the cluster moves")

        self.step("ostree retires version 1; gc unpins what only it held")
        self.show(f"ostree admin undeploy --sysroot={sysroot.path} 1",
                  ["ostree", "admin", "undeploy", f"--sysroot={sysroot.path}", "1"])
        self.rootpin("gc")
        self.rootpin("status")

        self.step("The registry goes down; a container still starts from the pinned image")
        self.registry.stop()
        consumer = os.path.join(self.sandbox, "consumer")
        podman = ["podman", "--root", os.path.join(consumer, "root"), "--runroot",
                  os.path.join(consumer, "run"), "--tmpdir", os.path.join(consumer, "run", "libpod"),
                  "--storage-opt",
                  f"additionalimagestore={self.rp.store}"]
        argv = podman + ["create", "--pull=never", "--name", "web", refs["web"], "/hello"]
        self.show(shlex.join(argv), argv)
        self.say("created from rootpin's store with no registry and no pull")
        print(f"\n{BOLD}Done.{RESET} Removing the sandbox.")

    def close(self):
        if self.repo is not None:
            self.repo.stop()
        if self.registry is not None:
            self.registry.stop()
        remove_tree(self.sandbox)


def stop_group(proc):
    """SIGTERM to proc's process group, SIGKILL if it is still there after 10 s."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # The group may outlive its leader: wait until none of it is left.
    for _ in range(100):
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=os.path.join(TOP, "build"),
                        help="where rootpin and quadlet-scan were built (default: build/)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    demo = Demo(os.path.abspath(args.build_dir))
    status = 0
    try:
        demo.run()
    except KeyboardInterrupt:
        print("\ninterrupted; removing the sandbox", file=sys.stderr)
        status = 130
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print(f"\ntools/demo.py: {demo.short(str(e))}", file=sys.stderr)
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop the cleanup
        demo.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
