"""A private /dev/shm for the test process and everything it starts.

podman (4.3 and 5) keeps its container locks in one POSIX shared-memory segment,
/dev/shm/libpod_lock, 2048 locks for the whole machine whatever --root a podman runs
with. A container whose store is deleted without `podman rm` (every placeholder a test
leaves in its temp store, every create a crash test kills) never gives its lock back, so
test runs used to fill the machine's segment until no podman on the machine could create
a container ("allocating lock for new container: allocation failed; exceeded num_locks").

enter() moves this process into its own mount namespace (nothing propagates back to the
machine's) and mounts a fresh tmpfs on /dev/shm there: every podman a test starts, also
the podman 5 chroot (podman5-enter binds /dev recursively), gets a segment that dies with
the test process. Needs root, as the tests do; call it while the process has one thread.
"""
import ctypes
import os

CLONE_NEWNS = 0x00020000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MS_NOSUID = 0x2
MS_NODEV = 0x4

_entered = False


def _check(rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"private /dev/shm: {what}: {os.strerror(err)}")


def enter():
    """Idempotent within a process."""
    global _entered
    if _entered:
        return
    machine = os.stat("/dev/shm").st_dev
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    _check(libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV,
                      b"mode=1777,size=64m"), "mount tmpfs /dev/shm")
    if os.stat("/dev/shm").st_dev == machine:
        raise OSError("private /dev/shm: still the machine's /dev/shm after the mount")
    _entered = True
