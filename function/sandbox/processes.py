"""The jail's processes as /proc shows them: find them, measure their CPU time, end them.

Everything a jail process controls is read as bytes and never trusted to be text (a process
names itself with ``prctl(PR_SET_NAME)``), and a zombie counts as alive while any of its
threads is: a leader that ends with the raw ``exit`` system call leaves its threads running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import time
from pathlib import Path

_PROC = Path("/proc")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def processes_of_uid(uid: int) -> list[int]:
    """Every process one of whose uids (real, effective, saved) is ``uid`` and one of whose
    threads still runs."""
    found = []
    for entry in os.scandir(_PROC):
        if entry.name.isdigit() and _belongs_to(Path(entry.path), uid):
            found.append(int(entry.name))
    return found


def kill_all_of_uid(uid: int, rounds: int = 50) -> bool:
    """Stop, then kill, every process of ``uid``, from root; True once none is left.

    From root, because a process of ``uid`` could kill a killer of its own uid. SIGSTOP first,
    so that nothing forks between the scan and the kill; repeated, for whatever forked before
    it was stopped.
    """
    for _ in range(rounds):
        pids = processes_of_uid(uid)
        if not pids:
            return True
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        time.sleep(0.001)
    return not processes_of_uid(uid)


def cpu_of_tree(root_pid: int) -> float:
    """CPU seconds used so far by every process below ``root_pid`` (not itself), with the
    children they have waited for. Linux only: gVisor does not list a task's children."""
    total = 0.0
    pending = _children(root_pid)
    while pending:
        pid = pending.pop()
        total += cpu_of(pid)
        pending += _children(pid)
    return total


def cpu_of_uid(uid: int) -> float:
    """CPU seconds used so far by every process of ``uid``, with the children they have
    waited for."""
    return sum(cpu_of(pid) for pid in processes_of_uid(uid))


def cpu_of(pid: int) -> float:
    """CPU seconds used so far by one process, with the children it has waited for; 0 if it
    is gone (its time went to whoever reaped it)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return 0.0
    # The fields after the ")" that closes the name; utime is the 14th field of the line.
    fields = stat[stat.rindex(b")") + 2 :].split()
    return sum(int(value) for value in fields[11:15]) / _CLOCK_TICKS  # utime ... cstime


def unlinked_file_bytes(uid: int) -> int:
    """Bytes of the regular files that processes of ``uid`` hold open after they were
    deleted (or made without a name, O_TMPFILE): memory no folder listing shows."""
    seen: dict[tuple[int, int], int] = {}
    for pid in processes_of_uid(uid):
        descriptors = _PROC / str(pid) / "fd"
        try:
            numbers = os.listdir(descriptors)
        except OSError:
            continue
        for fd in numbers:
            try:
                info = os.stat(descriptors / fd)  # the open file itself
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_nlink == 0:
                seen[(info.st_dev, info.st_ino)] = info.st_size
    return sum(seen.values())


def _status(path: Path) -> dict[bytes, bytes]:
    """/proc/<pid>/status (or a task's) as bytes; empty if the process is gone."""
    try:
        lines = (path / "status").read_bytes().splitlines()
    except OSError:
        return {}
    return {name: value.strip() for name, _, value in (line.partition(b":") for line in lines)}


def _belongs_to(path: Path, uid: int) -> bool:
    fields = _status(path)
    if str(uid).encode() not in fields.get(b"Uid", b"").split()[:3]:
        return False
    # A zombie leader counts itself in Threads: it is alive while another thread is. (gVisor
    # lists no tasks for it, so Threads is what both kernels tell alike.)
    return not fields.get(b"State", b"Z").startswith(b"Z") or int(fields[b"Threads"]) > 1


def _children(pid: int) -> list[int]:
    children: list[int] = []
    try:
        tasks = os.listdir(_PROC / str(pid) / "task")
    except OSError:
        return children
    for tid in tasks:
        with contextlib.suppress(OSError):
            children += map(
                int, (_PROC / str(pid) / "task" / tid / "children").read_bytes().split()
            )
    return children
