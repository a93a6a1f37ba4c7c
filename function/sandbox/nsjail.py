"""One NsJail process: its argv, and the plumbing that starts it, hands it its request and
collects what it produced.

The static parts of a jail are in jail/<profile>.cfg and jail/<profile>.kafel. Everything that
varies per request or per deployment goes in as argv, built in :func:`build_argv` alone.

A jail's life, in three calls: :func:`start` runs NsJail; :func:`wait_ready` waits for the
wrapper to say it is ready (``R`` on the result channel), reading whatever NsJail and the
start-up wrote, which no script will own; :func:`hand_over` gives it its one request and
collects the run, from that moment on. A warm jail waits between the second and third call;
a cold one does not.

Pipes, as the jail sees them: stdin carries the wrapper's code, then the request (then EOF);
stdout and stderr are the script's own, each captured up to a cap; a dedicated pipe carries
the wrapper's ``R``, its ``S`` (request taken, limits narrowed, script started) and its result
frame; NsJail's log goes to another pipe, which also tells when NsJail has exited.
"""

from __future__ import annotations

import functools
import marshal
import math
import os
import re
import select
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.errors import SandboxFailure
from sandbox.execution_cgroup import ExecutionCgroup
from sandbox.limits import Limits
from sandbox.profiles import JAIL_DIR, Cgroups, Profile

WRAPPER = JAIL_DIR / "wrapper.py"
#: The seccomp policy each profile's jails get (seccomp/trace.py swaps in its own).
POLICIES = {profile: profile.policy for profile in Profile}
PYTHON = "/usr/bin/python3"
#: What the jail's Python runs where the wrapper's code object comes on stdin.
_STUB = "import marshal,sys;exec(marshal.load(sys.stdin.buffer))"
#: The wrapper's markers on the result channel (jail/wrapper.py).
READY, STARTED = b"R", b"S"

#: The jail's uid/gid as the script sees it, where there is a user namespace.
INSIDE_ID = 65534

MIB = 1024 * 1024
_LOG_CAP = 64 * 1024
_READ_CHUNK = 64 * 1024
#: What is kept of the start-up's own stderr, for a sandbox failure's message.
_SETUP_STDERR_CAP = 16 * 1024
#: After NsJail exits, how long to keep reading output still buffered in the pipes.
_DRAIN_S = 0.2
#: After SIGTERM, how long NsJail gets to kill and reap its jail before it is SIGKILLed.
_STOP_GRACE_S = 2.0
#: How often the runner's watch looks at the running jail (its CPU time, its folder).
_WATCH_EVERY_S = 0.05
#: After a read of fewer bytes than _BATCH_BYTES, a pipe of the jail's is left alone for
#: _BATCH_PAUSE_S, so that a jail writing a byte at a time costs the server a wake-up per
#: batch, not one per byte. Once NsJail has exited, every pipe is read at once: the pause
#: never delays an answer.
_BATCH_BYTES = 4096
_BATCH_PAUSE_S = _WATCH_EVERY_S


@dataclass
class Stream:
    """Bytes read from one pipe, up to a cap; the rest is read and dropped."""

    cap: int
    data: bytearray = field(default_factory=bytearray)
    truncated: bool = False

    def feed(self, chunk: bytes) -> None:
        room = self.cap - len(self.data)
        if len(chunk) > room:
            self.truncated = True
            chunk = chunk[: max(room, 0)]
        self.data += chunk


@dataclass
class JailRun:
    """What one NsJail process did, before any interpretation."""

    stdout: Stream
    stderr: Stream
    result: Stream
    log: Stream
    exit_status: int | None = None
    """NsJail's own exit status (os.waitstatus_to_exitcode: negative for a signal)."""
    timed_out: bool = False
    """The runner stopped the jail at the wall-time limit."""
    stopped_at: str | None = None
    """The other limit the runner stopped the jail at, as its watch named it."""
    duration_s: float = 0.0
    """From the hand-over until NsJail was reaped."""
    cpu_s: float = 0.0
    """CPU time of NsJail and the jail processes it reaped (rusage), less what the jail had
    used before its hand-over."""

    @property
    def script_started(self) -> bool:
        """Whether the wrapper took the request and narrowed its limits (its ``S``)."""
        return self.result.data[:1] == STARTED

    @property
    def frame(self) -> bytes:
        """What the wrapper wrote after its ``S``: the result frame."""
        return bytes(self.result.data[1:])

    @functools.cached_property
    def log_text(self) -> str:
        """NsJail's log, decoded once (read only after NsJail has exited)."""
        return self.log.data.decode("utf-8", "replace")

    @property
    def started(self) -> bool:
        """Whether NsJail got as far as executing the jail's program."""
        return f"Executing '{PYTHON}'" in self.log_text

    @property
    def child_signal(self) -> str | None:
        match = re.search(r"terminated with signal: (SIG\w+)", self.log_text)
        return match.group(1) if match else None

    @property
    def child_exit_code(self) -> int | None:
        match = re.search(r"exited with status: (\d+)", self.log_text)
        return int(match.group(1)) if match else None

    def log_problems(self) -> str:
        """NsJail's warning, error and fatal lines, for a sandbox failure's message."""
        return "\n".join(_problem_lines(self.log_text))


def _problem_lines(log: str) -> list[str]:
    """The last ten warning, error and fatal lines of NsJail's log."""
    return [line for line in log.splitlines() if line[:3] in ("[W]", "[E]", "[F]")][-10:]


def build_argv(
    *,
    nsjail: Path,
    rootfs: Path,
    profile: Profile,
    limits: Limits,
    uid: int,
    cgroups: Cgroups | None,
    cgroup: ExecutionCgroup | None = None,
    result_fd: int,
    log_fd: int,
    private_tmp: str | None = None,
    devices: Path | None = None,
    preload: tuple[str, ...] = (),
    program: list[str] | None = None,
) -> list[str]:
    """The whole NsJail command line for one jail.

    ``uid``: the slot's leased uid (sandbox.uids), the jail's uid and gid outside the jail.
    ``cgroups``, ``cgroup``: what the host offers, and the execution's own memory cgroup
    (namespaces profile; both or neither).
    ``private_tmp`` (gvisor profile): the jail's own writable folder, its cwd, HOME and TMPDIR.
    ``devices`` (namespaces profile): the folder of the uid's own null, zero and urandom.
    ``preload``: the modules the wrapper imports before it says it is ready.
    ``program``: how the jail's Python gets the wrapper (:func:`wrapper_program`).
    """
    argv = [
        str(nsjail),
        "--config", str(profile.config),
        "--chroot", str(rootfs),
        "--seccomp_policy", str(POLICIES[profile]),
        "--log_fd", str(log_fd),
        "--pass_fd", str(result_fd),
        # A backstop only, counted from the jail's start: the runner enforces the exact wall
        # time itself, from the hand-over.
        "--time_limit", str(math.ceil(limits.timeout_s) + 1),
        "--rlimit_as", str(limits.memory_mib),
        # A backstop a second past the limit: the runner stops the jail at the limit itself
        # (run_jail), so that a CPU timeout is its own verdict, not a guess from a SIGKILL.
        "--rlimit_cpu", str(math.ceil(limits.cpu_time_s) + 1),
        "--rlimit_fsize", str(limits.max_file_size_mib),
        "--rlimit_nofile", str(limits.max_open_files),
        "--rlimit_nproc", str(limits.max_processes),
    ]  # fmt: skip
    if profile is Profile.NAMESPACES:
        argv += [
            "--user", f"{INSIDE_ID}:{uid}",
            "--group", f"{INSIDE_ID}:{uid}",
            # /tmp, and /dev/shm for POSIX semaphores and shared memory (multiprocessing),
            # each a tmpfs of the request's size: + 1 inode for the tmpfs's own root.
            "--mount", f"none:/tmp:tmpfs:{_tmpfs_options(limits)}",
            "--mount", f"none:/dev/shm:tmpfs:{_tmpfs_options(limits)}",
        ]  # fmt: skip
        if devices is not None:  # /dev/null writable, as it must be.
            argv += ["--bindmount", f"{devices}/null:/dev/null",
                     "--bindmount_ro", f"{devices}/zero:/dev/zero",
                     "--bindmount_ro", f"{devices}/urandom:/dev/urandom"]  # fmt: skip
        if cgroups is not None and cgroup is not None:
            argv += ["--cgroup_mem_max", str(cgroup.nsjail_memory_bytes),
                     "--cgroup_pids_max", str(limits.max_processes)]  # fmt: skip
            if cgroups.cpu:  # One CPU's worth per jail, however many processes it runs.
                argv += ["--cgroup_cpu_ms_per_sec", "1000"]
            if cgroups.version == 2:
                argv += ["--use_cgroupv2", "--cgroupv2_mount", cgroup.nsjail_parent]
            else:
                argv += ["--cgroup_mem_parent", cgroup.nsjail_parent,
                         "--cgroup_pids_parent", cgroup.nsjail_parent]  # fmt: skip
    else:
        argv += ["--user", str(uid), "--group", str(uid)]
        if private_tmp is not None:
            argv += ["--cwd", private_tmp, "--env", f"HOME={private_tmp}",
                     "--env", f"TMPDIR={private_tmp}"]  # fmt: skip
    program = program if program is not None else wrapper_program(rootfs)[0]
    argv += ["--", PYTHON, "-I", *program, str(result_fd), ",".join(preload), profile.value]
    return argv


def _tmpfs_options(limits: Limits) -> str:
    return f"size={limits.tmp_size_mib * MIB},nr_inodes={limits.max_tmp_entries + 1}"


@functools.cache
def wrapper_program(rootfs: Path) -> tuple[list[str], bytes]:
    """How the jail's Python runs the wrapper: its arguments, and what to write first to its
    stdin.

    The wrapper is compiled here once, and its code object goes to each jail on stdin, so no
    jail compiles it again. A code object is only good for the Python version that made it:
    where the rootfs's Python is another version than the server's (its precompiled standard
    library says), each jail gets the source instead, and compiles it.
    """
    source = WRAPPER.read_text()
    tag = sys.implementation.cache_tag
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if (rootfs / "usr/lib" / version / "__pycache__" / f"os.{tag}.pyc").is_file():
        code = compile(source, "<pyexec-wrapper>", "exec", dont_inherit=True)
        return ["-c", _STUB], marshal.dumps(code)
    return ["-c", source], b""


def encode_request(request: dict[str, Any]) -> bytes:
    """A request as the wrapper reads it: plain values, in marshal's version-4 format, which
    every Python 3 since 3.4 reads alike (no code objects: those differ between versions)."""
    return marshal.dumps(request, 4)


class JailRegistry:
    """The NsJail processes running now, so that shutdown can stop them all at once.

    A process leaves the registry before it is reaped, so its pid is never signalled after
    the kernel may have given it to another process.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._closed = False

    def add(self, proc: subprocess.Popen[bytes]) -> bool:
        """Register a new jail; False once shutdown has begun (the caller stops it)."""
        with self._lock:
            if self._closed:
                return False
            self._procs.add(proc)
            return True

    def discard(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs.discard(proc)

    def stop_all(self, grace_s: float = 1.0) -> None:
        """Refuse new jails; SIGTERM every NsJail, then SIGKILL those still there."""
        with self._lock:
            self._closed = True
            procs = list(self._procs)
        for proc in procs:
            _signal(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            with self._lock:
                if not self._procs:
                    return
            time.sleep(0.02)
        with self._lock:
            for proc in self._procs:
                _signal(proc, signal.SIGKILL)


@dataclass
class Jail:
    """One NsJail process and the pipes to it, from its start until it is reaped."""

    proc: subprocess.Popen[bytes]
    result_r: int
    log_r: int
    registry: JailRegistry
    started_at: float = field(default_factory=time.monotonic)
    log: Stream = field(default_factory=lambda: Stream(_LOG_CAP))
    setup_stderr: Stream = field(default_factory=lambda: Stream(_SETUP_STDERR_CAP))
    reaped: tuple[int, float] | None = None
    """NsJail's exit status and CPU seconds, once it is reaped."""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        """Whether the jail still waits for its request: NsJail has not exited, and the
        wrapper has not closed its result channel (it dies with its process)."""
        try:
            if os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                return False
        except ChildProcessError:
            return False
        poller = select.poll()  # Not select(): it refuses descriptors past 1023.
        poller.register(self.result_r, select.POLLIN)
        return not poller.poll(0)  # Nothing comes on it before the request but its end.

    def problems(self) -> str:
        """Why a jail did not become ready: NsJail's complaints and the start-up's stderr."""
        lines = _problem_lines(self.log.data.decode("utf-8", "replace"))
        stderr = self.setup_stderr.data.decode("utf-8", "replace").strip()
        return "\n".join([*lines, *stderr.splitlines()[-10:]]) or "no log"

    def close(self) -> tuple[int, float]:
        """Stop NsJail and reap it (once): its exit status and CPU seconds, jail included."""
        if self.reaped is None:
            os.close(self.result_r)
            os.close(self.log_r)
            self.registry.discard(self.proc)
            self.reaped = _stop_and_reap(self.proc)
        return self.reaped


def start(argv_for: Callable[..., list[str]], registry: JailRegistry) -> Jail:
    """Start NsJail. Raises SandboxFailure if NsJail cannot be started, or the sandbox is
    shutting down.

    ``argv_for(result_fd=..., log_fd=...)`` gives the command line once the pipes exist:
    build_argv with everything else bound.
    """
    ours: list[int] = []  # The read ends, kept only if NsJail starts.
    theirs: list[int] = []  # The write ends, the jail's: closed here once it has them.
    try:
        for _ in range(2):
            read_end, write_end = os.pipe()
            ours.append(read_end)
            theirs.append(write_end)
        (result_r, log_r), (result_w, log_w) = ours, theirs
        proc = subprocess.Popen(
            argv_for(result_fd=result_w, log_fd=log_w),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(result_w, log_w),
            env={},
            close_fds=True,
            start_new_session=True,
        )
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        for fd in ours:
            os.close(fd)
        raise SandboxFailure(f"could not start NsJail: {exc}") from exc
    finally:
        for fd in theirs:
            os.close(fd)
    assert proc.stdin is not None
    os.set_blocking(proc.stdin.fileno(), False)
    jail = Jail(proc, result_r, log_r, registry)
    if not registry.add(proc):
        jail.close()
        raise SandboxFailure("the sandbox is shutting down")
    return jail


def wait_ready(jail: Jail, stdin_first: bytes, timeout_s: float) -> bool:
    """Write ``stdin_first`` to the jail (the wrapper's code: :func:`wrapper_program`) and
    wait until the wrapper says it is ready, which it can only be once it has read all of
    it; False if the jail ended first, or did not get there within ``timeout_s`` (the jail is
    then closed: see :meth:`Jail.problems`)."""
    proc = jail.proc
    assert proc.stdin and proc.stdout and proc.stderr
    stdin = proc.stdin.fileno()
    pending = memoryview(stdin_first)
    sinks = {proc.stdout.fileno(): Stream(0), proc.stderr.fileno(): jail.setup_stderr,
             jail.log_r: jail.log}  # fmt: skip
    deadline = time.monotonic() + timeout_s
    with selectors.DefaultSelector() as selector:
        if pending:
            selector.register(stdin, selectors.EVENT_WRITE)
        for fd in (jail.result_r, *sinks):
            selector.register(fd, selectors.EVENT_READ)
        while (now := time.monotonic()) < deadline:
            for key, _ in selector.select(timeout=deadline - now):
                if key.fd == stdin:
                    pending = _write_some(stdin, pending)
                    if not pending:
                        selector.unregister(stdin)
                    continue
                if key.fd == jail.result_r:
                    marker = os.read(jail.result_r, 1)
                    if marker == READY and not pending:
                        # What the start-up wrote before its R is in the pipes already:
                        # it is the start-up's, never the script's.
                        _read_what_is_there(sinks, set(sinks))
                        return True
                    jail.close()  # Its end, or something no wrapper writes.
                    return False
                chunk = os.read(key.fd, _READ_CHUNK)
                if not chunk:  # NsJail or the wrapper is gone: the result channel tells.
                    selector.unregister(key.fd)
                    continue
                sinks[key.fd].feed(chunk)
    jail.close()
    return False


def hand_over(
    jail: Jail,
    request: bytes,
    limits: Limits,
    watch: Callable[[int], str | None],
    cpu_before_s: float = 0.0,
) -> JailRun:
    """Give a ready jail its request, collect its output; stop it at the wall-time limit
    (counted from now) or when ``watch`` names a limit.

    ``watch(nsjail_pid)`` is called every _WATCH_EVERY_S while the jail runs, and names a
    limit the jail is past, if any: the jail is then stopped, and ``stopped_at`` says why.
    ``cpu_before_s``: what the jail used before the hand-over, taken off its rusage.
    """
    run = JailRun(
        stdout=Stream(limits.max_output_bytes),
        stderr=Stream(limits.max_output_bytes),
        # The wrapper enforces max_output_bytes on the result itself; the slack is for the
        # frame and the S before it.
        result=Stream(limits.max_output_bytes + 64 * 1024),
        log=jail.log,
    )
    start_s = time.monotonic()
    try:
        _pump(jail, request, run, start_s + limits.timeout_s, watch)
    finally:
        run.exit_status, cpu_s = jail.close()
        run.duration_s = time.monotonic() - start_s
        run.cpu_s = max(0.0, cpu_s - cpu_before_s)
    return run


def _write_some(fd: int, pending: memoryview) -> memoryview:
    try:
        return pending[os.write(fd, pending) :]
    except BrokenPipeError:  # The jail is gone; what it left says why.
        return pending[:0]


def _pump(
    jail: Jail,
    request: bytes,
    run: JailRun,
    deadline: float,
    watch: Callable[[int], str | None],
) -> None:
    proc, result_r, log_r = jail.proc, jail.result_r, jail.log_r
    assert proc.stdin and proc.stdout and proc.stderr
    stdin = proc.stdin.fileno()
    streams = {
        proc.stdout.fileno(): run.stdout,
        proc.stderr.fileno(): run.stderr,
        result_r: run.result,
        log_r: run.log,
    }
    pending = memoryview(request)
    drain_until: float | None = None
    next_watch = time.monotonic() + _WATCH_EVERY_S
    paused: dict[int, float] = {}  # fd -> when to read it again
    with selectors.DefaultSelector() as selector:
        selector.register(stdin, selectors.EVENT_WRITE)
        for fd in streams:
            selector.register(fd, selectors.EVENT_READ)
        open_reads = set(streams)
        while open_reads:
            now = time.monotonic()
            if drain_until is not None and now >= drain_until:
                return  # NsJail is gone; whatever still holds the pipes gets killed.
            if now >= deadline:
                run.timed_out = True
            elif now >= next_watch:
                run.stopped_at = watch(proc.pid)
                next_watch = now + _WATCH_EVERY_S
            if run.timed_out or run.stopped_at:
                _read_what_is_there(streams, open_reads)
                return
            for fd, resume in list(paused.items()):
                if now >= resume or drain_until is not None:
                    del paused[fd]
                    selector.register(fd, selectors.EVENT_READ)
            wake = min(deadline, next_watch, *paused.values())
            if drain_until is not None:
                wake = min(wake, drain_until)
            for key, _ in selector.select(timeout=wake - now):
                if key.fd == stdin:
                    pending = _write_some(stdin, pending)
                    if not pending:
                        selector.unregister(stdin)
                        proc.stdin.close()
                    continue
                chunk = os.read(key.fd, _READ_CHUNK)
                if chunk:
                    streams[key.fd].feed(chunk)
                    if len(chunk) < _BATCH_BYTES and key.fd != log_r and drain_until is None:
                        selector.unregister(key.fd)
                        paused[key.fd] = now + _BATCH_PAUSE_S
                    continue
                selector.unregister(key.fd)
                open_reads.discard(key.fd)
                if key.fd == log_r:  # NsJail closed its log: it has exited.
                    drain_until = time.monotonic() + _DRAIN_S


def _read_what_is_there(streams: dict[int, Stream], open_reads: set[int]) -> None:
    """One last read of each pipe, without waiting: a jail stopped at a limit keeps the
    output it wrote last (a paused pipe holds up to _BATCH_PAUSE_S of it)."""
    for fd in open_reads:
        os.set_blocking(fd, False)
        try:
            streams[fd].feed(os.read(fd, _READ_CHUNK))
        except BlockingIOError:
            pass


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.kill(proc.pid, sig)
    except ProcessLookupError:
        pass


def _stop_and_reap(proc: subprocess.Popen[bytes]) -> tuple[int, float]:
    """Make sure NsJail and its jail are gone; return NsJail's exit status (negative for a
    signal) and the CPU seconds of NsJail and the jail processes it reaped.

    SIGTERM first: NsJail then kills and reaps the jail itself (in the namespaces profile the
    jail is its pid namespace's init, so everything in it dies) and removes its cgroups. The
    jail's PR_SET_PDEATHSIG is not relied on (and the policy refuses clearing it). SIGKILL
    follows if NsJail has not exited after a grace period. A NsJail that already exited is a
    zombie here, and the signal does nothing.
    """
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None and not pipe.closed:
            pipe.close()
    _signal(proc, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_GRACE_S
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() >= deadline:
            _signal(proc, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.002)
    proc.returncode = os.waitstatus_to_exitcode(status)
    # Not ru_maxrss: NsJail's inherits the server's own high-water mark at fork.
    return proc.returncode, usage.ru_utime + usage.ru_stime
