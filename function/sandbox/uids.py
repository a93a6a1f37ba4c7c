"""Jail uids, leased host-wide: no two live sandboxes ever run jails as the same uid.

Every jail, running or waiting, runs as a uid of its own outside the jail, from a range
(PYEXEC_JAIL_UIDS, default 65000-65533). Sandboxes do not assume which: each takes its uids at
start-up with :func:`lease`, which holds an exclusive ``flock(2)`` on ``<LEASE_DIR>/<uid>`` for
each, for as long as the lease lives. Another server, another gunicorn worker, or another
Sandbox in the same process finds those files locked and takes the next free uids. The kernel
drops the locks of a process that dies, however it dies, so a lease never outlives its holder
and never needs cleaning up.

The lock files are only shared by servers that share LEASE_DIR: containers of one host that
each have their own /run (Knative pods) must be given ranges that do not overlap, since the
host's kernel counts their processes per uid all the same.

A uid must never be shared: RLIMIT_NPROC counts per uid, and in the gvisor profile (no pid
namespace) a jail can signal every process of its uid, and the sweep after each execution
kills every process of it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from pathlib import Path

from sandbox.errors import SandboxUnavailable

#: Debian leaves 65000-65533 to local use, so no system account has these ids.
DEFAULT_RANGE = range(65000, 65534)
#: Where the lock files live: a tmpfs on most hosts, so that a reboot forgets them.
LEASE_DIR = Path("/run/pyexec/uids")

_held_lock = threading.Lock()
_held: set[int] = set()
"""The uids this process holds now, across all its leases (for the tests' leak checks)."""


class UidLease:
    """Some uids, held until :meth:`release` or the end of the process that took them."""

    def __init__(self, uids: list[int], files: list[int]) -> None:
        self.uids = uids
        self.pid = os.getpid()
        self._files = files

    def release(self) -> None:
        """Give the uids back. In a forked child this only drops the inherited descriptors:
        the parent's own descriptors keep its locks (a flock belongs to the open file)."""
        with _held_lock:
            _held.difference_update(self.uids)
        for fd in self._files:
            os.close(fd)  # Closing the last descriptor drops the lock.
        self._files = []


def lease(count: int, uids_range: range = DEFAULT_RANGE, lease_dir: Path = LEASE_DIR) -> UidLease:
    """Take ``count`` uids that no live lease holds; raise SandboxUnavailable if there are not
    enough, or the lock folder cannot be used."""
    first, last = uids_range[0], uids_range[-1]
    try:
        lease_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot create the uid lease folder {lease_dir}: {exc}") from exc
    uids: list[int] = []
    files: list[int] = []
    try:
        for uid in range(first, last + 1):
            if len(uids) == count:
                break
            fd = _try_lock(lease_dir / str(uid))
            if fd is not None:
                uids.append(uid)
                files.append(fd)
    except SandboxUnavailable:
        UidLease(uids, files).release()
        raise
    held = UidLease(uids, files)
    if len(uids) < count:
        held.release()
        raise SandboxUnavailable(
            f"only {len(uids)} of the {count} jail uids needed are free in "
            f"{first}-{last}: other pyexec servers sharing {lease_dir} hold the rest "
            "(lower PYEXEC_SLOTS or WORKERS, or widen PYEXEC_JAIL_UIDS)"
        )
    with _held_lock:
        _held.update(uids)
    return held


def held_by_this_process() -> frozenset[int]:
    with _held_lock:
        return frozenset(_held)


def _try_lock(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot open the uid lease file {path}: {exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise SandboxUnavailable(f"cannot lock the uid lease file {path}: {exc}") from exc
    return fd
