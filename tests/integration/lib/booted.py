"""Runs a command as if the machine had booted a deployment of a test sysroot.

libostree (2022.7, ostree-sysroot.c) takes a sysroot to be booted when /run/ostree-booted
exists, the sysroot path is "/", and "/" is the very directory of one of its deployments
(same device and inode). So the command runs chrooted into that deployment's directory,
in private mount and PID namespaces (unshare -m -p) laid out like a booted ostree host:

  /sysroot         the test sysroot, bound non-recursively: ostree and rootpin reach every
                   deployment's own content through /ostree -> sysroot/ostree
  /boot            the test sysroot's boot
  /var             the stateroot's var, as ostree-prepare-root binds it (ostree pulls
                   through /var/tmp)
  /run             a directory of the test: ostree's run/ostree/staged-deployment and
                   rootpin's run/ostree/staged-deployment-locked land there
  /usr /etc        the host's, read-only, so that rootpin, podman and their libraries run
  /sys /dev        the host's
  /proc            of a new PID namespace: ostree admin reads /proc/1/ns/mnt to see whether
                   it runs in the host's mount namespace, which a container's pid 1 hides
  /tmp and the top directory of the rootpin binary: the host's (temp dirs, the build)

OSTREE_SYSROOT_DEBUG=test-staged-path keeps ostree from asking systemd to start
ostree-finalize-staged.service when it stages (ostree's own tests do the same). The mounts
go away with the command; the deployment directory gets its mount points (empty dirs and
the /bin, /lib ... links of a merged-/usr root) once, its immutable bit restored.
"""
import os
import shlex
import subprocess
import time

HOST_BINDS = ["/sys", "/dev"]
MERGED_USR_LINKS = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}


class Booted:
    def __init__(self, sysroot, run_dir, extra_dirs=()):
        """sysroot: an ostree_fixture.Sysroot; run_dir: the test's /run; extra_dirs: host
        paths the command needs (the rootpin binary, the test's temp dir)."""
        self.sysroot = sysroot
        self.run_dir = run_dir
        os.makedirs(os.path.join(run_dir, "ostree"), exist_ok=True)
        with open(os.path.join(run_dir, "ostree-booted"), "w"):
            pass
        tops = {"/tmp"}
        for d in extra_dirs:
            tops.add("/" + os.path.abspath(d).split("/")[1])
        self.host_dirs = sorted(HOST_BINDS + [t for t in tops if t not in ("/usr", "/etc")])

    def deployment_dir(self, index):
        root_id = self.sysroot.root_ids()[index]
        osname, rest = root_id.split("/")
        return os.path.join(self.sysroot.path, "ostree/deploy", osname, "deploy", rest)

    def _prepare(self, root):
        subprocess.run(["chattr", "-i", root], check=True)
        try:
            for d in ["sysroot", "boot", "run", "var", "usr", "etc", "proc"] + [h[1:] for h in self.host_dirs]:
                os.makedirs(os.path.join(root, d), exist_ok=True)
            for name, target in MERGED_USR_LINKS.items():
                if not os.path.lexists(os.path.join(root, name)):
                    os.symlink(target, os.path.join(root, name))
            if not os.path.lexists(os.path.join(root, "ostree")):
                os.symlink("sysroot/ostree", os.path.join(root, "ostree"))
        finally:
            subprocess.run(["chattr", "+i", root], check=True)

    def run(self, argv, index=0, env=None, timeout=300, binds=None):
        """Runs argv booted into deployment `index` (its position in `ostree admin status`).
        binds: {path inside: host path} bound over the host's /usr and /etc (an installed
        tree's bindir at the bindir it was configured for) or into the stateroot's /var
        (podman_leg.booted_binds())."""
        command, full_env = self._command(argv, index, env, binds)
        return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              errors="replace", env=full_env, timeout=timeout)

    def popen(self, argv, index=0, env=None, binds=None, **popen_args):
        """As run, started in the background. argv's program becomes the pid namespace's
        init (pid 1 inside; main_pid() outside)."""
        command, full_env = self._command(argv, index, env, binds)
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, errors="replace", env=full_env, **popen_args)

    @staticmethod
    def main_pid(proc, binary, timeout=30):
        """The host pid of argv's program started by popen, once it runs `binary`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # unshare forks the namespace's init: sh, which execs chroot, which execs argv.
            try:
                with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                    children = f.read().split()
                for pid in children:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        if f.read().split(b"\0")[0] == os.fsencode(binary):
                            return int(pid)
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError(f"{binary} did not start under {proc.pid}")

    def _command(self, argv, index, env, binds):
        root = self.deployment_dir(index)
        self._prepare(root)
        var = os.path.join(os.path.dirname(os.path.dirname(root)), "var")
        os.makedirs(os.path.join(var, "tmp"), exist_ok=True)
        q = shlex.quote
        # The root bound onto itself first: "/" must be a mount point (podman makes it
        # private when it unpacks a layer); a bind keeps its device and inode.
        mounts = [f"mount --bind {q(root)} {q(root)}",
                  f"mount --bind {q(self.sysroot.path)} {q(root)}/sysroot",
                  f"mount --bind {q(self.sysroot.path)}/boot {q(root)}/boot",
                  f"mount --bind {q(self.run_dir)} {q(root)}/run",
                  f"mount --bind {q(var)} {q(root)}/var",
                  f"mount --bind -o ro /usr {q(root)}/usr",
                  f"mount --bind -o ro /etc {q(root)}/etc"]
        for dst in binds or {}:
            if dst.startswith("/var/"):  # its mount point is in the stateroot's var
                os.makedirs(var + dst[len("/var"):], exist_ok=True)
        mounts += [f"mount --bind {q(src)} {q(root)}{q(dst)}" for dst, src in (binds or {}).items()]
        mounts += [f"mount --rbind {q(h)} {q(root)}{q(h)}" for h in self.host_dirs]
        mounts.append(f"mount -t proc proc {q(root)}/proc")
        script = " && ".join(mounts) + f" && exec chroot {q(root)} " + " ".join(q(a) for a in argv)
        full_env = dict(os.environ, OSTREE_SYSROOT_DEBUG="test-staged-path", **(env or {}))
        return (["unshare", "--mount", "--propagation", "private", "--pid", "--fork",
                 "sh", "-c", script], full_env)
