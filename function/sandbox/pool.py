"""Warm jails: ready jails of each preload set, started before the requests that will take them.

A warm jail has been set up by NsJail; its wrapper has started, installed its filters and
imported its set's modules, and it waits on stdin for its one request. A request takes one
(:meth:`JailPool.take`), and the place it leaves is filled again at once, in the background.
A jail is never reused: it runs one script and ends, as a cold one does.

Each preload set has as many places as the sandbox has slots, each kept filled by a keeper
thread of its own, so that refills run side by side. The set without modules always exists;
routing (:func:`preload_for`) reads a script's imports with a cheap scan, a hint for speed and
never for safety: a script that imports something no set preloads still works, only slower.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sandbox.errors import SandboxFailure

J = TypeVar("J")

#: After a failed start, a keeper waits this long before the next, doubling up to the most.
_RETRY_FIRST_S, _RETRY_MOST_S = 0.5, 30.0
#: How often an idle keeper looks whether its set's ready jails still wait (not ended, not
#: too old), and replaces those that do not.
_LOOK_EVERY_S = 10.0

# `import a.b as c, d` and `from a.b import c`, at the start of a line: the names after
# `import`, or the module after `from`. Imports inside strings or behind `;` are not seen,
# and that only costs speed.
_IMPORT_LINE = re.compile(
    r"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([^\n#;]+))", re.MULTILINE
)
_MODULE = re.compile(r"\s*([A-Za-z_]\w*)")


@dataclass(frozen=True)
class PreloadSet:
    """Modules a kind of warm jail imports before it is ready."""

    modules: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return ",".join(self.modules) or "none"

    @property
    def packages(self) -> frozenset[str]:
        """The top-level names a script imports to use these modules."""
        return frozenset(module.partition(".")[0] for module in self.modules)


BARE = PreloadSet()


def imported_packages(source: str) -> set[str]:
    """The top-level names of the modules ``source`` imports at the start of a line."""
    found = set()
    for match in _IMPORT_LINE.finditer(source):
        if match.group(1):
            found.add(match.group(1).partition(".")[0])
            continue
        for item in match.group(2).split(","):
            module = _MODULE.match(item)
            if module:
                found.add(module.group(1))
    return found


def preload_for(source: str, sets: Iterable[PreloadSet]) -> PreloadSet:
    """The set that preloads most of what ``source`` imports, the smaller of two that do as
    much; the bare set if none preloads any of it."""
    imported = imported_packages(source)
    best, best_count = BARE, 0
    for candidate in sets:
        count = len(candidate.packages & imported)
        smaller = len(candidate.modules) < len(best.modules)
        if count > best_count or (count and count == best_count and smaller):
            best, best_count = candidate, count
    return best


class _Places(Generic[J]):
    """The ready jails of one preload set, and how many more are being started."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.ready: deque[J] = deque()
        self.starting = 0
        self.failure: str | None = None


class JailPool(Generic[J]):
    """Keeps ``places`` ready jails of each preload set.

    ``make(preload)`` starts a jail and returns it once ready, or raises SandboxFailure;
    ``alive(jail)`` tells whether a ready jail still waits; ``discard(jail)`` ends one.
    ``report(severity, message, **fields)`` is told of failures and recoveries.
    """

    def __init__(
        self,
        sets: Iterable[PreloadSet],
        places: int,
        make: Callable[[PreloadSet], J],
        alive: Callable[[J], bool],
        discard: Callable[[J], None],
        report: Callable[..., None],
    ) -> None:
        self.sets = tuple(sets)
        self._make, self._alive, self._discard, self._report = make, alive, discard, report
        self._places = {preload: _Places[J](places) for preload in self.sets}
        self._changed = threading.Condition()
        self._closed = False
        self._keepers: list[threading.Thread] = []

    def start(self) -> None:
        """Start the keepers: each fills one place of its set, and again whenever it empties."""
        for preload, places in self._places.items():
            for place in range(places.size):
                keeper = threading.Thread(
                    target=self._keep, args=(preload,), daemon=True,
                    name=f"pyexec-warm-{preload.name}-{place}",
                )  # fmt: skip
                keeper.start()
                self._keepers.append(keeper)

    def take(self, preload: PreloadSet, wait_s: float) -> J | None:
        """A ready jail of ``preload``'s set, which is never handed to anyone else.

        If none is ready but one is being started, waits up to ``wait_s`` for it: it was
        started earlier than any jail the caller could start now. None if the set has no jail
        coming (its starts fail), the wait ran out, or the pool is closed: the caller then
        starts a jail of its own.
        """
        places = self._places.get(preload)
        if places is None:
            return None
        deadline = time.monotonic() + wait_s
        while True:
            with self._changed:
                while not places.ready:
                    remaining = deadline - time.monotonic()
                    if self._closed or places.failure is not None or not places.starting:
                        return None
                    if remaining <= 0:
                        return None
                    self._changed.wait(remaining)
                jail = places.ready.popleft()
                self._changed.notify_all()  # A place is free: its keeper starts a jail.
            if self._usable(jail):
                return jail
            self._report("WARNING", "a warm jail died while it waited; replaced",
                         preload=preload.name)  # fmt: skip
            self._discard(jail)

    def _usable(self, jail: J) -> bool:
        try:
            return self._alive(jail)
        except Exception:  # noqa: BLE001 - a jail that cannot be checked is not handed out
            return False

    def waiting(self) -> list[J]:
        """The jails ready now (for tests and measurements)."""
        with self._changed:
            return [jail for places in self._places.values() for jail in places.ready]

    def wait_until_full(self, timeout_s: float) -> bool:
        """Wait until every place holds a ready jail; False if that took longer, or a set's
        jails fail to start."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not all(len(p.ready) == p.size for p in self._places.values()):
                remaining = deadline - time.monotonic()
                failing = any(p.failure is not None for p in self._places.values())
                if remaining <= 0 or self._closed or failing:
                    return False
                self._changed.wait(remaining)
        return True

    def close(self) -> list[J]:
        """Stop refilling; return the ready jails, which the caller ends (after signalling
        every jail at once). Jails being started are ended by their keepers."""
        with self._changed:
            self._closed = True
            ready = [jail for places in self._places.values() for jail in places.ready]
            for places in self._places.values():
                places.ready.clear()
            self._changed.notify_all()
        return ready

    def _keep(self, preload: PreloadSet) -> None:
        places = self._places[preload]
        retry_s = _RETRY_FIRST_S
        while True:
            stale, room = self._wait_for_room(places)
            for old in stale:
                self._discard(old)
            if not room:
                return
            made, problem = self._start(preload)
            with self._changed:
                places.starting -= 1
                recovered = problem is None and places.failure is not None
                first_failure = problem is not None and places.failure is None
                places.failure = problem
                if made is not None and not self._closed:
                    places.ready.append(made)
                    made = None
                self._changed.notify_all()
            if made is not None:  # Made while the pool closed.
                self._discard(made)
            if self._closed:  # A start that failed because the pool closed is no news.
                return
            if recovered:
                self._report("INFO", "warm jails start again", preload=preload.name)
            if problem is None:
                retry_s = _RETRY_FIRST_S
                continue
            if first_failure:
                self._report("ERROR", f"a warm jail could not be started: {problem}",
                             preload=preload.name)  # fmt: skip
            with self._changed:
                self._changed.wait_for(lambda: self._closed, retry_s)
            retry_s = min(retry_s * 2, _RETRY_MOST_S)

    def _wait_for_room(self, places: _Places[J]) -> tuple[list[J], bool]:
        """Wait until a place is free, and count it as starting; False once the pool closed.
        Ready jails that no longer wait (ended, or too old) are found on the way, every
        _LOOK_EVERY_S, and taken out: their places are free again, and the caller ends them."""
        stale: list[J] = []
        with self._changed:
            while not self._closed and len(places.ready) + places.starting >= places.size:
                if not self._changed.wait(_LOOK_EVERY_S):
                    for jail in [j for j in places.ready if not self._usable(j)]:
                        places.ready.remove(jail)
                        stale.append(jail)
            if self._closed:
                return stale, False
            places.starting += 1
            return stale, True

    def _start(self, preload: PreloadSet) -> tuple[J | None, str | None]:
        """A ready jail, or why none could be made."""
        try:
            return self._make(preload), None
        except SandboxFailure as exc:
            return None, str(exc)
        except Exception as exc:  # noqa: BLE001 - a keeper must outlive any one start
            return None, f"{type(exc).__name__}: {exc}"
