"""Per-execution resource limits: the server's defaults and maximums, and a request's values.

Every limit has a default and a maximum, both read once from the environment:
``PYEXEC_<NAME>`` sets the default and ``PYEXEC_MAX_<NAME>`` the maximum, where ``<NAME>`` is
the field name in upper case (``PYEXEC_TIMEOUT_S=10``, ``PYEXEC_MAX_MEMORY_MIB=1024``).
A request may ask for any value from the minimum up to the maximum. A maximum set below a
built-in default lowers that default to it (``PYEXEC_MAX_MAX_PROCESSES=6`` alone is enough).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from sandbox.errors import ConfigError, LimitError


@dataclass(frozen=True)
class Limits:
    """What one execution may use. The unit of each field is in its name."""

    timeout_s: float = 10.0
    """Wall-clock time from the request reaching the jail to main() returning."""
    cpu_time_s: float = 10.0
    """CPU time of each jail process (RLIMIT_CPU, in whole seconds, rounded up); where the
    cpu cgroup is available, the whole jail also gets at most one CPU."""
    memory_mib: int = 256
    """Address space of each jail process (RLIMIT_AS), interpreter and libraries included:
    Python with numpy and pandas imported maps about 150 MiB of it. Also the cgroup memory
    limit of the whole jail, where the host has cgroups."""
    max_processes: int = 32
    """Processes and threads of the jail (RLIMIT_NPROC, and the cgroup pids limit)."""
    max_open_files: int = 64
    """Open file descriptors per process (RLIMIT_NOFILE)."""
    max_file_size_mib: int = 16
    """Largest file the jail may write (RLIMIT_FSIZE)."""
    tmp_size_mib: int = 16
    """Size of the jail's /tmp, and of its /dev/shm: each is bounded by it."""
    max_output_bytes: int = 1024 * 1024
    """Cap on each of stdout, stderr and the serialised result; output past it is dropped."""

    @property
    def max_tmp_entries(self) -> int:
        """Files, folders and links the jail's temporary folder may hold: 256 per MiB of it
        (the tmpfs's inodes; in the gvisor profile the runner counts them)."""
        return self.tmp_size_mib * 256

    @property
    def jail_memory_bytes(self) -> int:
        """The memory cgroup limit of the whole jail: the pages of its two tmpfs, /tmp and
        /dev/shm, are charged to it too, so a script may fill both and still have its
        memory_mib."""
        return (self.memory_mib + 2 * self.tmp_size_mib) * 1024 * 1024


#: Smallest value a request may ask for, per field (below these Python cannot start).
MINIMUMS: dict[str, float] = {
    "timeout_s": 0.1,
    "cpu_time_s": 1,
    "memory_mib": 64,
    "max_processes": 1,
    "max_open_files": 16,
    "max_file_size_mib": 1,
    "tmp_size_mib": 1,
    "max_output_bytes": 1024,
}

#: Built-in maximums, used where the environment does not set PYEXEC_MAX_<NAME>.
MAXIMUMS = Limits(
    timeout_s=60.0,
    cpu_time_s=60.0,
    memory_mib=2048,
    max_processes=256,
    max_open_files=1024,
    max_file_size_mib=256,
    tmp_size_mib=256,
    max_output_bytes=8 * 1024 * 1024,
)

FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Limits))


@dataclass(frozen=True)
class LimitPolicy:
    """The server's default limits and the most a request may ask for."""

    defaults: Limits = Limits()
    maximums: Limits = MAXIMUMS

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LimitPolicy:
        """Read PYEXEC_<NAME> and PYEXEC_MAX_<NAME> for every limit; raise ConfigError."""
        defaults: dict[str, Any] = {}
        maximums: dict[str, Any] = {}
        for name in FIELDS:
            default_var, max_var = f"PYEXEC_{name.upper()}", f"PYEXEC_MAX_{name.upper()}"
            maximum = _env_number(environ, max_var, name, getattr(MAXIMUMS, name))
            # A maximum below the built-in default lowers the default with it; a default set
            # above its maximum is a mistake.
            built_in = min(getattr(Limits(), name), maximum)
            default = _env_number(environ, default_var, name, built_in)
            if default > maximum:
                raise ConfigError(
                    f"{default_var}={default} is above {max_var}={maximum}: "
                    "the default must not exceed the maximum"
                )
            defaults[name], maximums[name] = default, maximum
        return cls(Limits(**defaults), Limits(**maximums))

    def resolve(self, requested: Mapping[str, Any] | None) -> Limits:
        """The limits for one request: its values over the defaults, each checked."""
        if not requested:
            return self.defaults
        changes: dict[str, Any] = {}
        for name, value in requested.items():
            if name not in FIELDS:
                raise LimitError(f"unknown limit {name!r}; known limits: {', '.join(FIELDS)}", name)
            changes[name] = self._check(name, value)
        return replace(self.defaults, **changes)

    def _check(self, name: str, value: Any) -> float | int:
        integral = isinstance(getattr(self.defaults, name), int)
        number_ok = isinstance(value, int) or (not integral and isinstance(value, float))
        if isinstance(value, bool) or not number_ok or not math.isfinite(value):
            kind = "an integer" if integral else "a number"
            raise LimitError(f"limit {name!r} must be {kind}, got {value!r}", name)
        low, high = MINIMUMS[name], getattr(self.maximums, name)
        if not low <= value <= high:
            raise LimitError(
                f"limit {name!r}={value} is outside the allowed range {low}..{high}", name
            )
        return float(value) if not integral else int(value)


def _env_number(environ: Mapping[str, str], var: str, name: str, fallback: float) -> Any:
    raw = environ.get(var)
    if raw is None or raw == "":
        return fallback
    integral = isinstance(fallback, int)
    try:
        value: float = int(raw) if integral else float(raw)
    except ValueError:
        kind = "an integer" if integral else "a number"
        raise ConfigError(f"{var}={raw!r} is not {kind}") from None
    if not math.isfinite(value) or value < MINIMUMS[name]:
        raise ConfigError(f"{var}={raw!r} is below the minimum {MINIMUMS[name]}")
    return value
