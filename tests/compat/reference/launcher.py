"""The outside reference's root-side launcher: ``python -I launcher.py '<spec as JSON>'``.

Started by outside.run (as root, on the host or inside ``runsc --network=none do``), with the
standard library and ctypes only, and as few imports as that allows (each costs a tenth of a
second under gVisor, and the launcher runs once per script). It sets up the reference and
becomes it:

1. ``unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)``; every mount made private,
   recursively where the kernel allows it (gVisor refuses MS_REC there with EINVAL: the root
   mount alone then);
2. the rootfs bound onto the empty folder the caller made (a plain MS_BIND: gVisor refuses
   MS_REC binds), made read-only where a remount is possible (gVisor has none: the rootfs is
   root's, mode 755, either way); tmpfs's at /tmp (the jail's size and entries), /dev and
   /dev/shm; /dev/null, /dev/zero and /dev/urandom bound onto files in /dev; chroot; cwd /tmp;
3. a fork, the new pid namespace's init, so that nothing the script leaves running outlives
   the run; it forks the script's process (which is then not PID 1, as on any machine; the
   namespaces profile's jail is), which starts a session of its own (NsJail's child does
   too), sets the rlimits, drops to uid and gid 65534 with no supplementary group, sets umask
   022 and execs the rootfs's ``/usr/bin/python3 -I -c <harness.py> <result fd>`` with the
   given environment. The init writes the script process's wait status to the status
   descriptor, then exits, and the kernel ends whatever is left in the namespace.

Anything that fails before the exec is written to stderr with exit status 125, and nothing
to the status descriptor: outside.run then raises, since that is never the script's outcome.
"""

import ctypes
import json
import os
import resource
import signal
import sys

PYTHON = "/usr/bin/python3"
UID = GID = 65534
FAILED = 125
MIB = 1024 * 1024
DEVICES = ("null", "zero", "urandom")

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
PR_SET_PDEATHSIG = 1

_libc = ctypes.CDLL(None, use_errno=True)


def _call(name, *args):
    if getattr(_libc, name)(*args) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{name}{args!r}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data=None):
    _call("mount", source and source.encode(), target.encode(), fstype and fstype.encode(),
          flags, data and data.encode())  # fmt: skip


def launch(spec):
    harness = spec["harness"]
    _call("unshare", CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
    except OSError:  # gVisor: EINVAL for MS_REC.
        _mount(None, "/", None, MS_PRIVATE)
    root = spec["mount_point"]
    _mount(spec["rootfs"], root, None, MS_BIND)
    try:
        _mount(None, root, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    except OSError:  # gVisor has no remount; the rootfs is root's and not writable anyway.
        pass
    tmp = f"size={spec['tmp_size']},mode=1777"
    try:
        _mount("tmpfs", f"{root}/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
               f"{tmp},nr_inodes={spec['tmp_inodes']}")  # fmt: skip
    except OSError:  # gVisor has no nr_inodes (EINVAL); its jails' entries are counted.
        _mount("tmpfs", f"{root}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, tmp)
    _mount("tmpfs", f"{root}/dev", "tmpfs", MS_NOSUID, "size=65536,mode=0755")
    for name in DEVICES:
        os.close(os.open(f"{root}/dev/{name}", os.O_CREAT | os.O_WRONLY, 0o666))
        _mount(f"/dev/{name}", f"{root}/dev/{name}", None, MS_BIND)
    os.mkdir(f"{root}/dev/shm")
    _mount("tmpfs", f"{root}/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={spec['tmp_size']},mode=1777")  # fmt: skip
    os.chroot(root)
    os.chdir("/tmp")
    init = os.fork()
    if init == 0:
        try:
            _init(spec, harness)
        except OSError as exc:
            print(f"outside launcher: {exc}", file=sys.stderr)
        os._exit(FAILED)
    _, status = os.waitpid(init, 0)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else FAILED)


def _init(spec, harness):
    """PID 1 of the reference's pid namespace."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # Should the launcher be killed.
    # Closed by the script process's exec: whatever arrives on it is why the exec never was.
    failure_r, failure_w = os.pipe()
    script = os.fork()
    if script == 0:
        try:
            _become_the_script(spec, harness)
        except BaseException as exc:
            os.write(failure_w, f"{type(exc).__name__}: {exc}".encode())
        os._exit(FAILED)
    os.close(failure_w)
    failure = os.read(failure_r, 4096)
    if failure:
        raise OSError(0, f"the script's process could not start: {failure.decode()}")
    while True:  # As an init does: reap whatever ends, until the script's process has.
        pid, status = os.wait()
        if pid == script:
            break
    os.write(spec["status_fd"], str(status).encode())
    os._exit(0)


def _become_the_script(spec, harness):
    os.close(spec["status_fd"])
    os.setsid()
    for name, value in spec["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (value, value))
    os.setgroups([])
    os.setgid(GID)
    os.setuid(UID)
    os.umask(0o022)
    os.set_inheritable(spec["result_fd"], True)
    os.execve(PYTHON, [PYTHON, "-I", "-c", harness, str(spec["result_fd"])],
              spec["environment"])  # fmt: skip


if __name__ == "__main__":
    try:
        launch(json.loads(sys.argv[1]))
    except OSError as exc:
        print(f"outside launcher: {exc}", file=sys.stderr)
        os._exit(FAILED)
