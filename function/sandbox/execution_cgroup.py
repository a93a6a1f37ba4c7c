"""One execution's memory cgroup, made by the runner around NsJail's own (namespaces profile,
where the host has cgroups).

NsJail makes a cgroup for each jail and removes it, counters and all, as the jail ends. So the
runner makes the jail's parent cgroup itself, one per execution, named after the slot's
leased uid, and puts the memory limit there; NsJail's cgroup below it gets a slightly higher
limit, so the parent's is the one the jail hits. The kernel then counts the jail's peak memory
and its OOM kills in a cgroup that outlives the jail, and the runner reads them once NsJail is
gone: the memory verdict and the reported peak are the kernel's, for this jail alone, and do
not depend on the server's own memory (NsJail's rusage inherits the server's high-water mark).

============== ================================== =========================================
cgroup version  parent                              read after the jail ends
============== ================================== =========================================
1               memory/NSJAIL/pyexec-<uid>         memory.max_usage_in_bytes, memory.failcnt
2               <root>/pyexec-<uid>                memory.peak (Linux 5.19+), memory.events
============== ================================== =========================================
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import SandboxFailure
from sandbox.profiles import CGROUP_PARENT, CGROUP_ROOT, Cgroups

#: NsJail's own cgroup gets this much more (1 MiB) than the parent, so the parent's limit is
#: the one the jail hits.
_HEADROOM = 1024 * 1024
_REMOVE_WITHIN_S = 2.0


@dataclass(frozen=True)
class ExecutionCgroup:
    version: int
    path: Path
    nsjail_parent: str
    """What NsJail takes as its parent: --cgroup_mem_parent (v1) or --cgroupv2_mount (v2)."""
    nsjail_memory_bytes: int
    """The limit of NsJail's own cgroup, above the parent's."""

    @classmethod
    def create(cls, cgroups: Cgroups, uid: int, memory_bytes: int) -> ExecutionCgroup:
        """Make the cgroup of the execution that runs as ``uid``, limited to ``memory_bytes``;
        raise SandboxFailure if it cannot be made."""
        name = f"pyexec-{uid}"
        if cgroups.version == 1:
            path = CGROUP_ROOT / "memory" / CGROUP_PARENT / name
            nsjail_parent = f"{CGROUP_PARENT}/{name}"
        else:
            path = CGROUP_ROOT / name
            nsjail_parent = str(path)
        cgroup = cls(cgroups.version, path, nsjail_parent, memory_bytes + _HEADROOM)
        cgroup.remove()  # Left by a server that died: the uid's lease is ours now.
        try:
            path.mkdir()
            if cgroups.version == 1:
                (path / "memory.limit_in_bytes").write_text(str(memory_bytes))
            else:
                controllers = (path / "cgroup.controllers").read_text().split()
                wanted = [c for c in ("memory", "pids", "cpu") if c in controllers]
                (path / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in wanted))
                (path / "memory.max").write_text(str(memory_bytes))
                with contextlib.suppress(FileNotFoundError):  # No swap accounting: no swap.
                    (path / "memory.swap.max").write_text("0")
        except OSError as exc:
            cgroup.remove()
            raise SandboxFailure(f"could not set up the jail's cgroup {path}: {exc}") from exc
        return cgroup

    def limit_hit(self) -> bool:
        """Whether the jail ran into its memory limit: v2 counts the OOM kills of the whole
        subtree here; v1 counts them only in the victim's own cgroup (NsJail's, gone by now),
        so there it is the number of times a charge failed at this limit."""
        if self.version == 1:
            return int((self.path / "memory.failcnt").read_text()) > 0
        for line in (self.path / "memory.events").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value) > 0
        return False

    def peak_kib(self) -> int | None:
        """The jail's largest memory use (tmpfs pages included), or None where the kernel
        does not keep it."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.path / name).read_text()) // 1024
        except FileNotFoundError:
            return None

    def remove(self) -> None:
        """Remove the cgroup, and NsJail's below it if NsJail could not (it was killed): its
        processes are killed first, since a cgroup with processes cannot be removed. Raise
        SandboxFailure if it is still there after a while."""
        deadline = time.monotonic() + _REMOVE_WITHIN_S
        while True:
            try:
                for child in [p for p in self.path.iterdir() if p.is_dir()]:
                    for pid in (child / "cgroup.procs").read_text().split():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(int(pid), signal.SIGKILL)
                    child.rmdir()
                self.path.rmdir()
                return
            except FileNotFoundError:
                if not self.path.exists():
                    return
            except OSError as exc:
                if time.monotonic() >= deadline:
                    raise SandboxFailure(f"could not remove the jail's cgroup: {exc}") from exc
            time.sleep(0.01)
