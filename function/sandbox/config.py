"""Server settings, read once from the environment and validated with errors naming the variable.

========================== ============================== ========================================
variable                   default                        meaning
========================== ============================== ========================================
PYEXEC_PROFILE             auto                           ``auto``, ``namespaces`` or ``gvisor``
PYEXEC_NSJAIL              /opt/pyexec/nsjail             the (patched) NsJail binary
PYEXEC_ROOTFS              /opt/pyexec/rootfs             the jail's read-only root filesystem
PYEXEC_SLOTS               number of CPUs                 executions at once in this process
PYEXEC_CGROUPS             auto                           ``auto``: use cgroups where they work;
                                                          ``off``: rlimits only
PYEXEC_JAIL_UIDS           65000-65533                    uids the jails may run as, leased per
                                                          jail place host-wide (sandbox.uids)
PYEXEC_WARM_JAILS          on                             ``on``: each slot keeps a jail of each
                                                          preload set ready (sandbox.pool);
                                                          ``off``: every jail starts on request
PYEXEC_PRELOAD             numpy,pandas                   preload sets besides the bare one,
                                                          ``;`` between sets, ``,`` between
                                                          modules; empty: the bare set only
PYEXEC_<LIMIT>             see sandbox.limits.Limits      default of each per-request limit
PYEXEC_MAX_<LIMIT>         see sandbox.limits.MAXIMUMS    maximum of each per-request limit
========================== ============================== ========================================
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sandbox import uids
from sandbox.errors import ConfigError
from sandbox.limits import LimitPolicy
from sandbox.profiles import Profile

#: At most this many slots: each has its own leased uid (see sandbox.uids).
MAX_SLOTS = 256
#: Jail uids below this would be system accounts.
_MIN_JAIL_UID = 1000
DEFAULT_PRELOAD = "numpy,pandas"
_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


@dataclass(frozen=True)
class Settings:
    profile: Profile | None = None
    """None means auto: probe the host at start-up."""
    nsjail: Path = Path("/opt/pyexec/nsjail")
    rootfs: Path = Path("/opt/pyexec/rootfs")
    slots: int = field(default_factory=lambda: os.cpu_count() or 1)
    use_cgroups: bool = True
    jail_uids: range = uids.DEFAULT_RANGE
    limits: LimitPolicy = field(default_factory=LimitPolicy)
    warm_jails: bool = True
    preload_sets: tuple[tuple[str, ...], ...] = field(
        default_factory=lambda: _preload_sets(DEFAULT_PRELOAD)
    )
    """The modules of each kind of warm jail besides the bare one (never an empty set)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        profile_name = env.get("PYEXEC_PROFILE", "auto") or "auto"
        choices = ["auto", *(p.value for p in Profile)]
        if profile_name not in choices:
            raise ConfigError(
                f"PYEXEC_PROFILE={profile_name!r} is not one of: {', '.join(choices)}"
            )
        cgroups = env.get("PYEXEC_CGROUPS", "auto") or "auto"
        if cgroups not in ("auto", "off"):
            raise ConfigError(f"PYEXEC_CGROUPS={cgroups!r} is not one of: auto, off")
        warm = env.get("PYEXEC_WARM_JAILS", "on") or "on"
        if warm not in ("on", "off"):
            raise ConfigError(f"PYEXEC_WARM_JAILS={warm!r} is not one of: on, off")
        return cls(
            profile=None if profile_name == "auto" else Profile(profile_name),
            nsjail=Path(env.get("PYEXEC_NSJAIL") or cls.nsjail).absolute(),
            rootfs=Path(env.get("PYEXEC_ROOTFS") or cls.rootfs).absolute(),
            slots=_slots(env.get("PYEXEC_SLOTS")),
            use_cgroups=cgroups == "auto",
            jail_uids=_jail_uids(env.get("PYEXEC_JAIL_UIDS")),
            limits=LimitPolicy.from_env(env),
            warm_jails=warm == "on",
            preload_sets=_preload_sets(env.get("PYEXEC_PRELOAD", DEFAULT_PRELOAD)),
        )


def _slots(raw: str | None) -> int:
    if not raw:
        return os.cpu_count() or 1
    try:
        slots = int(raw)
    except ValueError:
        raise ConfigError(f"PYEXEC_SLOTS={raw!r} is not an integer") from None
    if not 1 <= slots <= MAX_SLOTS:
        raise ConfigError(f"PYEXEC_SLOTS={slots} is outside 1..{MAX_SLOTS}")
    return slots


def _jail_uids(raw: str | None) -> range:
    if not raw:
        return uids.DEFAULT_RANGE
    first, _, last = raw.partition("-")
    try:
        span = range(int(first), int(last) + 1)
    except ValueError:
        raise ConfigError(f"PYEXEC_JAIL_UIDS={raw!r} is not a range FIRST-LAST") from None
    if not (_MIN_JAIL_UID <= span.start and len(span) >= 1 and span.stop <= 2**32 - 1):
        raise ConfigError(
            f"PYEXEC_JAIL_UIDS={raw!r} must be a range of uids from {_MIN_JAIL_UID} up, "
            "no system account's"
        )
    return span


def _preload_sets(raw: str) -> tuple[tuple[str, ...], ...]:
    sets = []
    for part in raw.split(";"):
        modules = tuple(name.strip() for name in part.split(",") if name.strip())
        bad = [name for name in modules if not _MODULE_NAME.fullmatch(name)]
        if bad:
            raise ConfigError(f"PYEXEC_PRELOAD={raw!r}: {bad[0]!r} is not a module name")
        if modules and modules not in sets:
            sets.append(modules)
    return tuple(sets)
