"""The outside reference: a script run by the jail's own interpreter, but not in a jail.

"Outside" is an ordinary machine whose system happens to be the rootfs: the SAME interpreter
(the rootfs's /usr/bin/python3 -I), chrooted into the rootfs, as an unprivileged user
(uid/gid 65534, no supplementary group), with a private writable tmpfs /tmp, a private tmpfs
/dev/shm, /dev/null, /dev/zero and /dev/urandom, no network (a network namespace of its own),
no /proc, HOME=/tmp, TMPDIR=/tmp, cwd /tmp, umask 022, and the environment the jail's NsJail
config gives. No seccomp filter, no wrapper, no user namespace. launcher.py sets it up, as
root; harness.py runs the script in it as the jail's wrapper runs one.

Limits: the rlimits the jail applies per process (address space, open files, file size, CPU
time as a backstop, stack, core) are applied here too, so that a comparison is about
behaviour, not limits; RLIMIT_NPROC is not (it counts per uid host-wide, and concurrent
reference runs share their uid).
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE / "launcher.py"
HARNESS = HERE / "harness.py"
MIB = 1024 * 1024
#: What the caller allows beyond the script's own wall time: the mounts, the interpreter's
#: start.
_START_S = 10.0
MNT_DETACH = 0x2
EINVAL = 22


@dataclass(frozen=True)
class Run:
    """How a script ended outside, in an Outcome's terms (see sandbox.outcome)."""

    kind: str
    result: Any = None
    error: dict[str, Any] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""


def jail_environment(config: Path) -> dict[str, str]:
    """The variables an NsJail config gives its jail (``envar`` lines), in its order, with
    HOME and TMPDIR at /tmp where the profile sets them per execution (gvisor: the private
    folder)."""
    found = dict(re.findall(r'^envar:\s*"([^"=]+)=([^"]*)"', config.read_text(), re.M))
    return {**found, "HOME": found.get("HOME", "/tmp"), "TMPDIR": found.get("TMPDIR", "/tmp")}


def run(
    script: str,
    args: dict[str, Any],
    *,
    rootfs: Path,
    environment: dict[str, str],
    timeout_s: float,
    cpu_time_s: float,
    memory_mib: int,
    max_open_files: int,
    max_file_size_mib: int,
    tmp_size_mib: int,
    max_output_bytes: int,
) -> Run:
    """Run ``script``'s main(**args) outside the jail. Raises RuntimeError if the launcher
    itself failed: that is never the script's outcome."""
    spec: dict[str, Any] = {
        "rootfs": str(rootfs),
        "harness": HARNESS.read_text(),
        "environment": environment,
        "tmp_size": tmp_size_mib * MIB,
        "tmp_inodes": tmp_size_mib * 256 + 1,  # As the jail's tmpfs: 256 per MiB, and its root.
        "rlimits": {
            "RLIMIT_AS": memory_mib * MIB,
            "RLIMIT_NOFILE": max_open_files,
            "RLIMIT_FSIZE": max_file_size_mib * MIB,
            "RLIMIT_CPU": int(cpu_time_s) + 1,
            "RLIMIT_STACK": 8 * MIB,
            "RLIMIT_CORE": 0,
        },
    }
    request = json.dumps({"script": script, "args": args}).encode()
    with tempfile.TemporaryDirectory(prefix="pyexec-outside-") as mount_point:
        result_r, result_w = os.pipe()
        status_r, status_w = os.pipe()
        spec |= {"mount_point": mount_point, "result_fd": result_w, "status_fd": status_w}
        try:
            launcher = subprocess.Popen(
                [sys.executable, "-I", str(LAUNCHER), json.dumps(spec)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(result_w, status_w), env={}, start_new_session=True,
            )  # fmt: skip
        finally:
            os.close(result_w)
            os.close(status_w)
        assert launcher.stdin and launcher.stdout and launcher.stderr
        pipes = {
            launcher.stdout.fileno(): bytearray(),
            launcher.stderr.fileno(): bytearray(),
            result_r: bytearray(),
            status_r: bytearray(),
        }
        try:
            launcher.stdin.write(request)
            launcher.stdin.close()
        except BrokenPipeError:
            pass  # It failed early; its stderr says why.
        timed_out = _collect(pipes, max_output_bytes, time.monotonic() + timeout_s + _START_S)
        if timed_out:
            os.killpg(launcher.pid, signal.SIGKILL)  # The pid namespace's init with it.
            _collect(pipes, max_output_bytes, time.monotonic() + 5)
        exit_code = launcher.wait()
        for pipe in (launcher.stdout, launcher.stderr):
            pipe.close()
        os.close(result_r)
        os.close(status_r)
        _detach(mount_point)
    stdout, stderr, frame, status = pipes.values()
    text = {"stdout": stdout.decode("utf-8", "replace"),
            "stderr": stderr.decode("utf-8", "replace")}  # fmt: skip
    if timed_out:
        return Run("timeout", error={"limit": "wall"}, **text)
    if not status:
        raise RuntimeError(f"the outside launcher failed (exit {exit_code}): {text['stderr']}")
    if frame:
        decoded = json.loads(frame)
        kind = decoded.pop("kind")
        return Run(kind, decoded.pop("result", None), decoded, **text)
    wait_status = int(status)
    if os.WIFSIGNALED(wait_status):
        name = signal.Signals(os.WTERMSIG(wait_status)).name
        if name == "SIGXCPU":  # RLIMIT_CPU: the jail's watch calls this a CPU timeout.
            return Run("timeout", error={"limit": "cpu"}, **text)
        return Run("killed", error={"signal": name}, **text)
    return Run("exited", error={"exit_code": os.waitstatus_to_exitcode(wait_status)}, **text)


def _collect(pipes: dict[int, bytearray], cap: int, deadline: float) -> bool:
    """Read every pipe to its end, keeping ``cap`` bytes of each; True if the deadline came
    first."""
    with selectors.DefaultSelector() as selector:
        for fd in pipes:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            for key, _ in selector.select(timeout=left):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                kept = pipes[key.fd]
                kept += chunk[: max(cap - len(kept), 0)]
    return False


def _detach(mount_point: str) -> None:
    """Detach what the launcher mounted at ``mount_point``, where its mount namespace did not
    keep it to itself: gVisor (runsc 2022-12-19) accepts unshare(CLONE_NEWNS), but every
    process still sees the mounts made after it. On Linux they went with the namespace, and
    there is nothing to detach (EINVAL)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.umount2(mount_point.encode(), MNT_DETACH) != 0 and ctypes.get_errno() != EINVAL:
        raise RuntimeError(f"could not detach {mount_point}: {os.strerror(ctypes.get_errno())}")
