"""The two isolation profiles, and what the host offers them.

``namespaces``  any normal Linux kernel: user, pid, net, mount, ipc, uts and cgroup namespaces
                around a read-only bind of the rootfs (jail/namespaces.cfg).
``gvisor``      a host that is itself gVisor (Cloud Run gen1): no new namespaces, a plain chroot,
                with the patched NsJail (jail/gvisor.cfg).

Both share the seccomp policy (jail/policy.kafel), uid/gid separation and the rlimits.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from pathlib import Path

JAIL_DIR = Path(__file__).resolve().parent / "jail"

# gVisor reports a fixed kernel identity (its Linux ABI level), whatever the host runs.
_GVISOR_RELEASE = "4.4.0"
_GVISOR_VERSION = "#1 SMP Sun Jan 10 15:06:54 PST 2016"

CGROUP_ROOT = Path("/sys/fs/cgroup")
#: Parent cgroup under which NsJail creates one child per jail (its default name).
CGROUP_PARENT = "NSJAIL"


class Profile(enum.StrEnum):
    NAMESPACES = "namespaces"
    GVISOR = "gvisor"

    @property
    def config(self) -> Path:
        return JAIL_DIR / f"{self.value}.cfg"


def running_on_gvisor() -> bool:
    uname = os.uname()
    return uname.release == _GVISOR_RELEASE and uname.version == _GVISOR_VERSION


def auto_profile() -> Profile:
    """The profile this host calls for. It is only used once its self-test passes."""
    return Profile.GVISOR if running_on_gvisor() else Profile.NAMESPACES


@dataclass(frozen=True)
class Cgroups:
    """Cgroup controllers NsJail can put each jail under (namespaces profile only)."""

    version: int  # 1 or 2
    cpu: bool = False
    """Whether the cpu controller is there too (a jail then gets at most one CPU's time)."""
    swap: bool = False
    """Whether swap is accounted, so that a jail's swap can be capped (at nothing): v1's
    memory.memsw.* files, v2's memory.swap.max. Without it, a host with swap lets the jail's
    pages out past its memory limit (RLIMIT_AS still bounds its address space)."""


def prepare_cgroups() -> Cgroups | None:
    """Make the parent cgroups NsJail needs; None where memory and pids cannot be limited."""
    unified = CGROUP_ROOT / "cgroup.controllers"
    try:
        if unified.exists():
            controllers = set(unified.read_text().split())
            if {"memory", "pids"} <= controllers:
                return Cgroups(version=2, cpu="cpu" in controllers, swap=_v2_accounts_swap())
            return None
        available = []
        for controller in ("memory", "pids", "cpu"):
            hierarchy = CGROUP_ROOT / controller
            if (hierarchy / "cgroup.procs").exists():
                (hierarchy / CGROUP_PARENT).mkdir(exist_ok=True)
                available.append(controller)
    except OSError:
        return None
    if not {"memory", "pids"} <= set(available):
        return None
    swap = (CGROUP_ROOT / "memory" / CGROUP_PARENT / "memory.memsw.limit_in_bytes").exists()
    return Cgroups(version=1, cpu="cpu" in available, swap=swap)


def _v2_accounts_swap() -> bool:
    """Whether a cgroup made where the jails' are gets memory.swap.max: made and removed."""
    probe = CGROUP_ROOT / f"pyexec-probe-{os.getpid()}"
    try:
        probe.mkdir()
    except OSError:
        return False
    try:
        return (probe / "memory.swap.max").exists()
    finally:
        probe.rmdir()
