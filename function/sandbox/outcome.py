"""What became of one execution: data, never an exception.

Every way a script can end is a :class:`Kind`. The fields of ``Outcome.error`` for each kind:

============== =====================================================================
kind           error fields (besides ``message``)
============== =====================================================================
ok             (no error)
syntax_error   ``line``, ``offset``, ``text``
missing_main   (none)
exception      ``type``, ``traceback`` (the script's own frames only)
invalid_result ``path`` (where in the result, e.g. ``result["rows"][3]``)
timeout        ``limit`` (``"wall"`` or ``"cpu"``), ``timeout_s``
memory_limit   ``memory_mib``
tmp_limit      ``tmp_size_mib``, ``max_tmp_entries`` (gvisor profile: the private folder, or
               what the jail holds in /dev/shm, grew past either; the namespaces profile's
               tmpfs refuses the write instead)
killed         ``signal`` (e.g. ``"SIGSYS"``: a forbidden system call), and for SIGSYS
               ``syscall``, its name, where the jail's preload could tell
exited         ``exit_code``
============== =====================================================================
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Kind(enum.StrEnum):
    OK = "ok"
    SYNTAX_ERROR = "syntax_error"
    MISSING_MAIN = "missing_main"
    EXCEPTION = "exception"
    INVALID_RESULT = "invalid_result"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    TMP_LIMIT = "tmp_limit"
    KILLED = "killed"
    EXITED = "exited"


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    result: Any = None
    """What main() returned, converted to plain JSON values (only when kind is OK)."""
    error: dict[str, Any] = field(default_factory=dict)
    """``message`` and the kind's own fields (see the module docstring); empty when OK."""
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    duration_ms: float = 0.0
    """Wall time from the request being handed to the jail until the jail was gone."""
    peak_memory_kib: int | None = None
    """The most memory charged to the jail's own cgroup: its private memory, its tmpfs, and
    files it was the first to read (not shared pages already cached); None where the jail has
    no cgroup (gvisor profile, or a host without cgroups)."""
    profile: str = ""
    warm: bool = False
    """Whether the script ran in a warm jail (one started before its request)."""
    jail_wait_ms: float = 0.0
    """How long the request waited for its jail to be ready, once it had a slot: nothing for
    a warm jail that was waiting, the rest of its start for one being started, a whole jail
    start for a cold one."""

    @property
    def ok(self) -> bool:
        return self.kind is Kind.OK
