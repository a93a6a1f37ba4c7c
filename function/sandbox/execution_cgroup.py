"""One jail's memory and pids cgroup, made by the runner around NsJail's own (namespaces
profile, where the host has cgroups).

NsJail makes a cgroup for each jail and removes it, counters and all, as the jail ends. So the
runner makes the jail's parent cgroup itself, one per jail, named after the jail's leased
uid, and puts the memory limit there; NsJail's cgroup below it gets a slightly higher limit,
so the parent's is the one the jail hits. A warm jail's limits are its request's from the
hand-over on: :meth:`ExecutionCgroup.narrow` lowers the parent's, from outside the jail.

Swap is capped where the kernel accounts it (Cgroups.swap): memory.swap.max is 0 (v2),
memory.memsw.limit_in_bytes is the memory limit plus 1 MiB (v1, see cap_swap).

The kernel then counts the jail's peak memory and its OOM kills in a cgroup that outlives the
jail, and the runner reads them once NsJail is gone: the memory verdict and the reported peak
are the kernel's, for this jail alone, and do not depend on the server's own memory (NsJail's
rusage inherits the server's high-water mark).

============== ================================== =========================================
cgroup version  parent                              read after the jail ends
============== ================================== =========================================
1               memory/NSJAIL/pyexec-<uid>         memory.max_usage_in_bytes, memory.failcnt
                pids/NSJAIL/pyexec-<uid>
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
    """What NsJail takes as its parent: --cgroup_mem_parent and --cgroup_pids_parent (v1), or
    --cgroupv2_mount (v2)."""
    nsjail_memory_bytes: int
    """The limit of NsJail's own cgroup, above the parent's."""
    pids_path: Path
    """Where the pids limit is: the same cgroup in v2, the pids hierarchy's in v1."""
    cap_swap: bool = False
    """v1 with swap accounting: memory.memsw.limit_in_bytes (memory and swap together) follows
    the memory limit, 1 MiB above it: memory and swap together stay within the limit plus
    1 MiB, and the memory limit stays the one the jail's own use hits, whose failures the
    kernel counts (it does not count memsw's). (v2 sets memory.swap.max to 0 at creation.)"""

    @classmethod
    def create(
        cls, cgroups: Cgroups, uid: int, memory_bytes: int, max_processes: int
    ) -> ExecutionCgroup:
        """Make the cgroup of the jail that runs as ``uid``, limited to ``memory_bytes`` and
        ``max_processes``; raise SandboxFailure if it cannot be made."""
        name = f"pyexec-{uid}"
        if cgroups.version == 1:
            path = CGROUP_ROOT / "memory" / CGROUP_PARENT / name
            pids_path = CGROUP_ROOT / "pids" / CGROUP_PARENT / name
            nsjail_parent = f"{CGROUP_PARENT}/{name}"
        else:
            path = pids_path = CGROUP_ROOT / name
            nsjail_parent = str(path)
        cgroup = cls(
            cgroups.version,
            path,
            nsjail_parent,
            memory_bytes + _HEADROOM,
            pids_path,
            cap_swap=cgroups.swap and cgroups.version == 1,
        )
        cgroup.remove()  # Left by a server that died: the uid's lease is ours now.
        try:
            path.mkdir()
            if cgroups.version == 1:
                pids_path.mkdir()
            else:
                controllers = (path / "cgroup.controllers").read_text().split()
                wanted = [c for c in ("memory", "pids", "cpu") if c in controllers]
                (path / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in wanted))
                if cgroups.swap:
                    (path / "memory.swap.max").write_text("0")
            cgroup._write_limits(memory_bytes, max_processes)
        except OSError as exc:
            cgroup.remove()
            raise SandboxFailure(f"could not set up the jail's cgroup {path}: {exc}") from exc
        return cgroup

    def narrow(self, memory_bytes: int, max_processes: int) -> None:
        """Lower the limits to a request's, at its hand-over to a warm jail. Raise
        SandboxFailure if the kernel refuses (v1 refuses a memory limit below what the jail
        already uses): the jail must not take the request then."""
        try:
            self._write_limits(memory_bytes, max_processes)
        except OSError as exc:
            raise SandboxFailure(f"could not narrow the jail's cgroup {self.path}: {exc}") from exc

    def _write_limits(self, memory_bytes: int, max_processes: int) -> None:
        """Limits only ever go down after creation; v1 wants memory+swap at least memory, so
        memory is written first."""
        memory = "memory.limit_in_bytes" if self.version == 1 else "memory.max"
        (self.path / memory).write_text(str(memory_bytes))
        if self.cap_swap:
            (self.path / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes + _HEADROOM))
        (self.pids_path / "pids.max").write_text(str(max_processes))

    def limit_hit(self) -> bool:
        """Whether the jail ran into its memory limit: v2 counts the OOM kills of the whole
        subtree here; v1 counts them only in the victim's own cgroup (NsJail's, gone by now),
        so there it is the number of times a charge failed at this limit."""
        if self.version == 1:
            if int((self.path / "memory.failcnt").read_text()) > 0:
                return True
            # With more than the 1 MiB headroom swapped out (the host's own memory pressure),
            # memory+swap is the limit that fails first, and the kernel counts no failure
            # there: its high-water mark says it. (Only asked when the jail was SIGKILLed.)
            return self.cap_swap and _memsw_peak_reached(self.path)
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
        """Remove the cgroup (both, in v1), and NsJail's below it if NsJail could not (it was
        killed): its processes are killed first, since a cgroup with processes cannot be
        removed. Raise SandboxFailure if it is still there after a while."""
        for path in dict.fromkeys([self.path, self.pids_path]):
            _remove(path)


def _memsw_peak_reached(path: Path) -> bool:
    """Whether memory+swap came within the headroom of its limit (a charge that fails there
    may be larger than what was left, so the peak need not be the limit itself)."""
    peak = int((path / "memory.memsw.max_usage_in_bytes").read_text())
    return peak >= int((path / "memory.memsw.limit_in_bytes").read_text()) - _HEADROOM


def _remove(path: Path) -> None:
    deadline = time.monotonic() + _REMOVE_WITHIN_S
    while True:
        try:
            for child in [p for p in path.iterdir() if p.is_dir()]:
                for pid in (child / "cgroup.procs").read_text().split():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), signal.SIGKILL)
                child.rmdir()
            path.rmdir()
            return
        except FileNotFoundError:
            if not path.exists():
                return
        except OSError as exc:
            if time.monotonic() >= deadline:
                raise SandboxFailure(f"could not remove the jail's cgroup: {exc}") from exc
        time.sleep(0.01)
