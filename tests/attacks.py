"""The adversarial catalogue: attacks on the sandbox, each with the outcome it must have.

test_attacks.py runs every one through the real API, in this host's profile and (under
`make test-gvisor`) in the gvisor profile. SECURITY.md publishes the same catalogue; a test
checks that it lists every attack here.

An attack passes when the response's outcome code is one of ``outcomes`` and, where
``result`` is given, main() returned exactly that: most scripts report what they managed to
see or do, and must have managed nothing.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

#: Anything: the point is only that the service stays up and the next execution is clean.
CONTAINED = ("ok", "exception", "invalid_result", "timeout", "memory_limit", "killed", "exited")


@dataclass(frozen=True)
class Attack:
    name: str
    category: str
    script: str
    outcomes: tuple[str, ...]
    result: Any = None
    check_result: bool = False
    args: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, Any] = field(default_factory=dict)


def attack(name, category, script, outcomes, *, result=..., args=None, limits=None) -> Attack:
    return Attack(
        name=name,
        category=category,
        script=textwrap.dedent(script).strip() + "\n",
        outcomes=(outcomes,) if isinstance(outcomes, str) else tuple(outcomes),
        result=None if result is ... else result,
        check_result=result is not ...,
        args=args or {},
        limits=limits or {},
    )


# A child that leaves its own session, starts a thread, then ends only its leader thread with
# the raw exit system call: /proc shows the leader as a zombie while the thread runs linger().
LEFTOVER = """
import ctypes, os, threading, time
{linger}
def main():
    if os.fork() == 0:
        os.setsid()
        threading.Thread(target=linger).start()
        ctypes.CDLL(None).syscall(60, 0)  # exit: this thread only
    time.sleep(0.3)
    return "left one"
"""

# A script body that returns the paths it could read.
READS = """
def main(paths):
    readable = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                f.read(1)
            readable.append(path)
        except OSError:
            pass
    return readable
"""


def reads(name: str, paths: list[str]) -> Attack:
    return attack(name, "host files", READS, "ok", args={"paths": paths}, result=[])


def killed_by(name: str, category: str, body: str) -> Attack:
    """A call the seccomp policy must kill (SIGSYS)."""
    return attack(
        name,
        category,
        f"import ctypes, os\nlibc = ctypes.CDLL(None)\ndef main():\n"
        f"    {body}\n    return 'allowed'",
        "killed",
    )


def refused(name: str, category: str, body: str, errno_name: str) -> Attack:
    """A call the seccomp policy (or the kernel) must refuse with an errno Python raises."""
    return attack(
        name,
        category,
        f"import errno, os\ndef main():\n    try:\n        {body}\n"
        f"    except OSError as exc:\n        return errno.errorcode[exc.errno]\n"
        f"    return 'allowed'",
        "ok",
        result=errno_name,
    )


def filling(name: str, category: str, folder: str) -> Attack:
    """64 MiB written into ``folder`` (an expression) with a bound of 8 MiB on it: the tmpfs
    refuses the write (namespaces), or the watch stops the jail (gvisor)."""
    return attack(
        name,
        category,
        f"""
        import os, tempfile
        def main():
            chunk = b"x" * (1 << 20)
            for i in range(64):
                with open(os.path.join({folder}, f"fill{{i}}"), "wb") as f:
                    f.write(chunk)
            return "filled 64 MiB"
        """,
        ("exception", "tmp_limit"),
        limits={"tmp_size_mib": 8},
    )


def refused_socket(name: str, family: str, kind: str) -> Attack:
    return attack(
        name,
        "network",
        f"""
        import socket
        def main():
            try:
                socket.socket(socket.{family}, socket.{kind})
                return "opened"
            except PermissionError:
                return "refused"
        """,
        "ok",
        result="refused",
    )


ATTACKS: list[Attack] = [
    # Host and service files ---------------------------------------------------------------
    reads("read the function's source", ["{function_source}"]),
    reads("read the NsJail binary", ["{nsjail}", "/opt/pyexec/nsjail"]),
    reads("read the host's identity files", ["/etc/hostname", "/etc/shadow", "/etc/hosts"]),
    reads("read /proc of the host", ["/proc/1/environ", "/proc/self/mountinfo", "/proc/1/cmdline"]),
    reads("read /sys", ["/sys/kernel/notes", "/sys/class/net/lo/address"]),
    reads(
        "read GCE-style credentials",
        [
            "/root/.config/gcloud/application_default_credentials.json",
            "/var/run/secrets/kubernetes.io/serviceaccount/token",
            "/etc/google_service_account.json",
        ],
    ),
    attack(
        "list the root of the jail",
        "host files",
        """
        import os
        def main():
            return sorted(set(os.listdir("/")) - {"bin", "dev", "etc", "lib", "lib64", "proc",
                                                  "sbin", "tmp", "usr", "MANIFEST"})
        """,
        "ok",
        result=[],
    ),
    # Environment and credentials -----------------------------------------------------------
    attack(
        "read a canary environment variable",
        "environment",
        """
        import os
        def main():
            return os.environ.get("PYEXEC_TEST_CANARY")
        """,
        "ok",
        result=None,
    ),
    attack(
        "find any host variable",
        "environment",
        """
        import os
        def main():
            expected = {"PATH", "LANG", "HOME", "TMPDIR", "OPENBLAS_NUM_THREADS",
                        "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "LC_CTYPE"}
            return sorted(set(os.environ) - expected)
        """,
        "ok",
        result=[],
    ),
    # Writing -----------------------------------------------------------------------------
    attack(
        "write outside the temporary folder",
        "writing",
        """
        def main():
            written = []
            for path in ["/etc/passwd", "/usr/bin/python3", "/x", "/usr/lib/python3.11/os.py"]:
                try:
                    open(path, "a").close()
                    written.append(path)
                except OSError:
                    pass
            return written
        """,
        "ok",
        result=[],
    ),
    filling("fill the temporary folder", "writing", "tempfile.gettempdir()"),
    attack(
        "fill the temporary folder with empty files",
        "writing",
        """
        import os, tempfile
        def main():
            for i in range(100_000):
                open(os.path.join(tempfile.gettempdir(), f"e{i}"), "w").close()
            return "made 100,000 files"
        """,
        ("exception", "tmp_limit"),
        limits={"tmp_size_mib": 1},
    ),
    attack(
        "a folder tree 1,200 levels deep",
        "writing",
        """
        import os, tempfile
        def main():
            os.chdir(tempfile.gettempdir())
            for _ in range(1200):
                os.mkdir("d")
                os.chdir("d")
            open("leaf", "w").close()
            os.mkdir("locked", 0)  # a folder not even its owner may enter
            return 1200
        """,
        "ok",
        result=1200,
    ),
    attack(
        "write a huge file",
        "writing",
        """
        import tempfile
        def main():
            with tempfile.TemporaryFile() as f:
                f.write(b"x" * (64 << 20))
            return "wrote 64 MiB"
        """,
        ("exception", "memory_limit"),
        limits={"max_file_size_mib": 4},
    ),
    # Network -----------------------------------------------------------------------------
    refused_socket("open an AF_INET socket", "AF_INET", "SOCK_STREAM"),
    refused_socket("open an AF_INET6 socket", "AF_INET6", "SOCK_STREAM"),
    refused_socket("open a raw socket", "AF_INET", "SOCK_RAW"),
    refused_socket("open an AF_NETLINK socket", "AF_NETLINK", "SOCK_RAW"),
    refused_socket("open an AF_PACKET socket", "AF_PACKET", "SOCK_RAW"),
    attack(
        "reach an abstract AF_UNIX socket outside the jail",
        "network",
        """
        import socket
        def main(name):
            try:
                client = socket.socket(socket.AF_UNIX)
                client.connect("\\0" + name)
                return "connected"
            except OSError:
                return "unreachable"
        """,
        "ok",
        result="unreachable",
        args={"name": "{abstract}"},
    ),
    attack(
        "connect to a loopback listener",
        "network",
        """
        import socket
        def main(port):
            for family, host in [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")]:
                try:
                    socket.create_connection((host, port), timeout=1)
                    return "connected"
                except OSError:
                    pass
            return "unreachable"
        """,
        "ok",
        result="unreachable",
        args={"port": "{port}"},
    ),
    attack(
        "x32 ABI socket",
        "network",
        """
        import ctypes
        def main():
            return ctypes.CDLL(None).syscall(0x40000000 | 41, 2, 1, 0)
        """,
        "killed",
    ),
    # Privilege ----------------------------------------------------------------------------
    refused("setuid to root", "privilege", "os.setuid(0)", "EPERM"),
    refused("chmod a file setuid", "privilege", "os.chmod(open('f', 'w').name, 0o4755)", "EPERM"),
    refused("chmod a file setgid", "privilege", "os.chmod(open('f', 'w').name, 0o2755)", "EPERM"),
    refused("chown", "privilege", "os.chown(open('f', 'w').name, 0, 0)", "EPERM"),
    refused(
        "make a device node", "privilege", "os.mknod('null', 0o20666, os.makedev(1, 3))", "EPERM"
    ),
    refused(
        "chmod /dev/null for the next execution", "privilege", "os.chmod('/dev/null', 0)", "EPERM"
    ),
    refused(
        "raise the jail's priority",
        "privilege",
        "os.setpriority(os.PRIO_PROCESS, 0, -20)",
        "EACCES",
    ),
    attack(
        "flush the host's disk",
        "resources",
        """
        import ctypes, errno, os
        def main():
            libc = ctypes.CDLL(None, use_errno=True)
            root = os.open("/", os.O_RDONLY)
            return errno.errorcode.get(ctypes.get_errno()) if libc.syncfs(root) else "flushed"
        """,
        "ok",
        result="EPERM",
    ),
    attack(
        "link into the rootfs",
        "privilege",
        """
        import os
        def main():
            open("f", "w").close()
            linked = []
            for target in ["/usr/lib/f", "/etc/f", "/f", "/usr/bin/f"]:
                try:
                    os.link("f", target)
                    linked.append(target)
                except OSError:
                    pass
            return linked
        """,
        "ok",
        result=[],
    ),
    attack(
        "setpgid outside the jail",
        "privilege",
        """
        import os
        def main():
            moved = []
            for pid in {1, os.getppid()} - {os.getpid(), 0}:
                for call in (lambda: os.setpgid(0, pid), lambda: os.setpgid(pid, 0)):
                    try:
                        call()
                        moved.append(pid)
                    except OSError:
                        pass
            return moved
        """,
        "ok",
        result=[],
    ),
    killed_by("mount a tmpfs", "privilege", "libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)"),
    killed_by("unshare a user namespace", "privilege", "libc.unshare(0x10000000)"),
    killed_by("setns", "privilege", "libc.setns(0, 0)"),
    killed_by("ptrace", "privilege", "libc.ptrace(16, 1, 0, 0)"),
    killed_by("process_vm_readv", "privilege", "libc.syscall(310, 1, 0, 0, 0, 0, 0)"),
    killed_by("keyctl", "privilege", "libc.syscall(250, 0, 0, 0, 0, 0)"),
    killed_by("bpf", "privilege", "libc.syscall(321, 0, 0, 0)"),
    killed_by("perf_event_open", "privilege", "libc.syscall(298, 0, 0, -1, -1, 0)"),
    killed_by("userfaultfd", "privilege", "libc.syscall(323, 0)"),
    killed_by("personality ADDR_NO_RANDOMIZE", "privilege", "libc.personality(0x0040000)"),
    killed_by("ioctl TIOCSTI", "privilege", "libc.ioctl(0, 0x5412, b'x')"),
    killed_by("io_uring_setup", "privilege", "libc.syscall(425, 1, 0)"),
    killed_by(
        "clone a new user namespace", "privilege", "libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)"
    ),
    attack(
        "clear the parent-death signal",
        "privilege",
        """
        import ctypes
        def main():
            return ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)
        """,
        "ok",
        result=-1,
    ),
    # Resource exhaustion ------------------------------------------------------------------
    attack(
        "fork bomb",
        "resources",
        """
        import os, time
        def main():
            while True:
                try:
                    if os.fork() == 0:
                        time.sleep(60)
                except OSError:
                    time.sleep(0.5)
                    return "capped"
        """,
        ("ok", "timeout"),
        limits={"max_processes": 16, "timeout_s": 5},
    ),
    attack(
        "thread bomb",
        "resources",
        """
        import threading, time
        def main():
            started = 0
            try:
                while True:
                    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
                    started += 1
            except RuntimeError:
                return started
        """,
        "ok",
        limits={"max_processes": 16},
    ),
    attack(
        "memory bomb",
        "resources",
        """
        def main():
            hoard = []
            while True:
                hoard.append(bytearray(1 << 24))
        """,
        "memory_limit",
    ),
    attack(
        "huge stdout",
        "resources",
        """
        import sys
        def main():
            for _ in range(64):
                sys.stdout.write("x" * (1 << 20))
            return "done"
        """,
        "ok",
        result="done",
    ),
    attack(
        "huge stderr",
        "resources",
        """
        import sys
        def main():
            for _ in range(64):
                sys.stderr.write("x" * (1 << 20))
            return "done"
        """,
        "ok",
        result="done",
    ),
    attack(
        "huge result",
        "resources",
        """
        def main():
            return "x" * (32 << 20)
        """,
        "invalid_result",
    ),
    attack(
        "deep recursion",
        "resources",
        """
        import sys
        sys.setrecursionlimit(10 ** 6)
        def down(n):
            return down(n + 1)
        def main():
            return down(0)
        """,
        ("killed", "exception"),
        # About 6 s of CPU to reach the memory limit on an idle machine: wall time to spare,
        # so that the outcome does not depend on the load.
        limits={"timeout_s": 40, "cpu_time_s": 30},
    ),
    attack(
        "burn CPU in several threads",
        "resources",
        """
        import threading
        def burn():
            while True:
                pass
        def main():
            for _ in range(4):
                threading.Thread(target=burn, daemon=True).start()
            burn()
        """,
        "timeout",
        limits={"cpu_time_s": 1, "timeout_s": 10},
    ),
    attack(
        "burn CPU in a forked child",
        "resources",
        """
        import os
        def main():
            child = os.fork()
            if child == 0:
                while True:
                    pass
            os.waitpid(child, 0)
        """,
        "timeout",
        limits={"cpu_time_s": 1, "timeout_s": 10},
    ),
    attack(
        "stretch the CPU limit with interval timers",
        "resources",
        """
        import signal
        def main():
            # Timers count the process's own CPU time; ignoring their signals, or resetting
            # them at every tick, changes nothing of what the runner measures from outside.
            for which, sig in [(signal.ITIMER_PROF, signal.SIGPROF),
                               (signal.ITIMER_VIRTUAL, signal.SIGVTALRM)]:
                signal.signal(sig, lambda *_: signal.setitimer(which, 3600))
                signal.setitimer(which, 0.01, 0.01)
            signal.signal(signal.SIGXCPU, signal.SIG_IGN)
            while True:
                pass
        """,
        "timeout",
        limits={"cpu_time_s": 1, "timeout_s": 10},
    ),
    filling("fill /dev/shm", "resources", "'/dev/shm'"),
    attack(
        "enlarge socket buffers",
        "resources",
        """
        import socket
        def main():
            left, _ = socket.socketpair()
            before = left.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
            for option in (socket.SO_SNDBUF, socket.SO_RCVBUF, 32, 33):  # and the FORCE forms
                left.setsockopt(socket.SOL_SOCKET, option, 64 << 20)
            after = left.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
            return "unchanged" if after == before else f"{before} -> {after}"
        """,
        "ok",
        result="unchanged",
    ),
    attack(
        "hold sockets in flight",
        "resources",
        """
        import socket
        def main():
            # Sockets sent over a socket and closed leave no descriptor behind: each parked
            # pair would hold its buffers outside RLIMIT_NOFILE's count.
            carrier, _ = socket.socketpair()
            parked = 0
            try:
                for _ in range(1000):
                    a, b = socket.socketpair()
                    socket.send_fds(carrier, [b"x"], [a.fileno(), b.fileno()])
                    a.close(), b.close()
                    parked += 1
            except OSError:
                pass
            return "bounded" if parked <= 64 else f"parked {parked} pairs"
        """,
        "ok",
        result="bounded",
    ),
    attack(
        "hoard kernel memory in pipe buffers",
        "resources",
        """
        import ctypes, os
        def main():
            fcntl = ctypes.CDLL(None, use_errno=True).syscall
            F_SETPIPE_SZ = 1031
            refused = 0
            for _ in range(16):
                read, write = os.pipe()
                # The second command has bits above the 32 the kernel reads: the same call.
                for cmd in (F_SETPIPE_SZ, (1 << 32) | F_SETPIPE_SZ):
                    if fcntl(72, write, ctypes.c_long(cmd), 1 << 20) == -1:  # SYS_fcntl
                        refused += ctypes.get_errno() == 1  # EPERM
            return refused
        """,
        "ok",
        result=32,
    ),
    attack(
        "hold deleted files open",
        "writing",
        """
        import os, tempfile, time
        def main():
            held = []
            for i in range(8):
                f = tempfile.TemporaryFile()  # deleted while open (or never named)
                f.write(b"x" * (2 << 20))
                held.append(f)
            time.sleep(2)
            return "held 16 MiB"
        """,
        ("exception", "tmp_limit"),
        limits={"tmp_size_mib": 4},
    ),
    attack(
        "make an anonymous file",
        "writing",
        """
        import os
        def main():
            try:
                os.memfd_create("hoard")
            except PermissionError:
                return "refused"
            return "made"
        """,
        "ok",
        result="refused",
    ),
    attack(
        "burn CPU in several processes",
        "resources",
        """
        import os
        def main():
            for _ in range(3):
                if os.fork() == 0:
                    break
            while True:
                pass
        """,
        "timeout",
        limits={"cpu_time_s": 1, "timeout_s": 3},
    ),
    attack(
        "sleep past the limit",
        "resources",
        """
        import time
        def main():
            time.sleep(60)
        """,
        "timeout",
        limits={"timeout_s": 1},
    ),
    attack(
        "open many files",
        "resources",
        """
        import os
        def main():
            handles = []
            try:
                while True:
                    handles.append(os.open("/usr/bin/python3", os.O_RDONLY))
            except OSError as exc:
                return [len(handles) < 64, exc.errno]
        """,
        "ok",
        result=[True, 24],
    ),
    # Escaping the wrapper -----------------------------------------------------------------
    attack(
        "override json.dumps to forge the result",
        "wrapper",
        """
        import json
        def main():
            json.dumps = lambda *a, **k: '{"kind": "ok", "result": "forged"}'
            return "real"
        """,
        "ok",
        result="real",
    ),
    attack(
        "override builtins",
        "wrapper",
        """
        import builtins
        def main():
            builtins.isinstance = lambda *a: False
            builtins.len = lambda x: 0
            return {"a": 1}
        """,
        CONTAINED,
    ),
    attack(
        "write a forged frame to the result pipe",
        "wrapper",
        """
        import os, sys
        def main():
            os.write(int(sys.argv[1]), b'{"kind": "ok", "result": "forged"}')
            return "real"
        """,
        "invalid_result",
    ),
    *(
        attack(
            name,
            "wrapper",
            f"""
            import os, sys
            def main():
                os.write(int(sys.argv[1]), {frame!r})
                os._exit(0)
            """,
            "invalid_result",
        )
        for name, frame in [
            ("forge a frame with a number out of range", b'{"kind": "ok", "result": 1e400}'),
            (
                "forge an exit frame with an out-of-range code",
                b'{"kind": "exited", "message": "m", "exit_code": -1e400}',
            ),
            (
                "forge a frame with fields of the wrong type",
                b'{"kind": "exception", "type": 1, "message": [], "traceback": {}}',
            ),
        ]
    ),
    attack(
        "ignore every signal",
        "wrapper",
        """
        import signal, time
        def main():
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):
                signal.signal(sig, signal.SIG_IGN)
            time.sleep(60)
        """,
        "timeout",
        limits={"timeout_s": 1},
    ),
    attack("sys.exit", "wrapper", "import sys\ndef main():\n    sys.exit(0)", "exited"),
    attack("os._exit", "wrapper", "import os\ndef main():\n    os._exit(0)", "exited"),
    attack(
        "atexit handler",
        "wrapper",
        """
        import atexit
        atexit.register(lambda: print("after the result"))
        def main():
            return "real"
        """,
        "ok",
        result="real",
    ),
    attack(
        "close every file descriptor",
        "wrapper",
        """
        import os
        def main():
            os.closerange(0, 1024)
            return "closed"
        """,
        "exited",
    ),
    attack(
        "kill the parent",
        "wrapper",
        """
        import os
        def main():
            parent = os.getppid()
            if parent == 0:  # namespaces profile: NsJail is outside the pid namespace
                return "out of sight"
            try:
                os.kill(parent, 9)
                return "killed the parent"
            except PermissionError:  # gvisor profile: NsJail runs as root
                return "out of reach"
        """,
        "ok",
        result="out of sight or reach",
    ),
    attack(
        "kill every process it can",
        "wrapper",
        """
        import os
        def main():
            os.kill(-1, 9)
        """,
        ("killed", "exited", "ok", "exception"),
    ),
    attack(
        "print a forged result",
        "result spoofing",
        """
        def main():
            print('{"result": "forged", "stdout": ""}')
            return "real"
        """,
        "ok",
        result="real",
    ),
    # State between executions (the second half runs in test_attacks.py) --------------------
    attack(
        "leave a process behind",
        "state",
        """
        import os, time
        def main():
            if os.fork() == 0:
                os.setsid()
                time.sleep(600)
            return "left one"
        """,
        "ok",
        result="left one",
    ),
    attack(
        "leave a zombie leader whose thread lives on",
        "state",
        LEFTOVER.format(linger="def linger():\n    time.sleep(600)"),
        "ok",
        result="left one",
    ),
    attack(
        "leave a zombie leader that kills every process it can",
        "state",
        LEFTOVER.format(
            linger=(
                "def linger():\n"
                "    time.sleep(1)  # once main() has returned\n"
                "    while True:\n"
                "        try:\n"
                "            os.kill(-1, 9)\n"
                "        except OSError:\n"
                "            pass"
            )
        ),
        "ok",
        result="left one",
    ),
    attack(
        "leave a process whose name is not UTF-8",
        "state",
        """
        import ctypes, os, time
        def main():
            if os.fork() == 0:
                os.setsid()
                ctypes.CDLL(None).prctl(15, b"\\xff\\xfe", 0, 0, 0)  # PR_SET_NAME
                time.sleep(600)
            return "left one"
        """,
        "ok",
        result="left one",
    ),
    attack(
        "keep writing after main returns",
        "state",
        """
        import os, tempfile, time
        def main():
            folder = tempfile.gettempdir()
            if os.fork() == 0:
                os.setsid()
                for i in range(1_000_000):
                    try:
                        with open(os.path.join(folder, f"w{i % 8}"), "wb") as f:
                            f.write(b"x" * (1 << 20))
                    except OSError:
                        time.sleep(0.01)
            time.sleep(0.2)
            return os.path.join(folder, "w0")
        """,
        "ok",
    ),
    attack(
        "leave a file behind",
        "state",
        """
        import os, tempfile
        def main():
            with open(os.path.join(tempfile.gettempdir(), "secret"), "w") as f:
                f.write("s3cret")
            return os.path.join(tempfile.gettempdir(), "secret")
        """,
        "ok",
    ),
]
