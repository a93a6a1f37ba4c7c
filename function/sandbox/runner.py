"""The sandbox as a whole: choose and prove a profile once, then run scripts in jails.

    sandbox = Sandbox(Settings.from_env())
    sandbox.start()                      # raises SandboxUnavailable: nothing will run
    outcome = sandbox.run(script, {"x": 1}, sandbox.settings.limits.resolve({"timeout_s": 2}))

There is no unsandboxed fallback: if no profile passes its self-test, ``run`` refuses.
"""

from __future__ import annotations

import functools
import json
import math
import os
import queue
import stat
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox import nsjail, processes, uids
from sandbox.config import Settings
from sandbox.errors import SandboxFailure, SandboxUnavailable
from sandbox.execution_cgroup import ExecutionCgroup
from sandbox.limits import Limits
from sandbox.outcome import Kind, Outcome
from sandbox.private_folder import PrivateFolder
from sandbox.profiles import Cgroups, Profile, auto_profile, prepare_cgroups

#: Run at start-up through the whole path. Passing means the jail runs Python, returns a
#: result, and is really confined: not root, no network, a read-only root.
SELF_TEST_SCRIPT = """
import ctypes, os, socket

def main():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        network = "open"
    except OSError:
        network = "closed"
    try:
        open("/pyexec-self-test", "w")
        root = "writable"
    except OSError:
        root = "read-only"
    # An x32 socket() call (number | 0x40000000) must be refused too, whatever the kernel.
    child = os.fork()
    if child == 0:
        fd = ctypes.CDLL(None).syscall(0x40000000 | 41, 2, 1, 0)
        os._exit(1 if fd >= 0 else 0)
    _, status = os.waitpid(child, 0)
    x32 = "open" if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1 else "closed"
    return {"uid": os.getuid(), "network": network, "root": root, "x32": x32}
"""
#: What the self-test must return (besides a uid that is not root's).
SELF_TEST_EXPECTED = {"network": "closed", "root": "read-only", "x32": "closed"}

_SIGNAL_MEANINGS = {
    "SIGSYS": "a forbidden system call",
    "SIGSEGV": "a segmentation fault",
    "SIGABRT": "an abort",
    "SIGKILL": "a kill signal",
    "SIGBUS": "a bus error",
    "SIGFPE": "an arithmetic fault",
}


class Sandbox:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else Settings.from_env()
        self.profile: Profile | None = None
        self.cgroups: Cgroups | None = None
        self._slots: queue.SimpleQueue[int] = queue.SimpleQueue()
        for slot in range(self.settings.slots):
            self._slots.put(slot)
        self._lease: uids.UidLease | None = None
        self._lease_problem = "the sandbox has not been started"
        self._start_lock = threading.Lock()
        self._jails = nsjail.JailRegistry()
        self._retired: set[int] = set()
        self._closing = threading.Event()

    # Start-up ------------------------------------------------------------------------------

    def start(self) -> Profile:
        """Choose the profile, prove it with a self-test jail; raise SandboxUnavailable."""
        with self._start_lock:
            if self.profile is not None:
                return self.profile
            self._check_files()
            if self._lease is None:
                self._lease = uids.lease(self.settings.slots, self.settings.jail_uids)
                _renew_lease_in_forked_children(self)
            profile = self.settings.profile or auto_profile()
            cgroups = None
            if profile is Profile.NAMESPACES and self.settings.use_cgroups:
                cgroups = prepare_cgroups()
            problem = self._self_test(profile, cgroups)
            if problem and cgroups is not None:  # Cgroups listed but not usable: rlimits only.
                cgroups = None
                problem = self._self_test(profile, cgroups)
            if problem:
                raise SandboxUnavailable(
                    f"the {profile.value} profile failed its self-test: {problem}"
                    f"{self._reachability_hint(profile)}"
                )
            self.profile, self.cgroups = profile, cgroups
            return profile

    def _check_files(self) -> None:
        binary, rootfs = self.settings.nsjail, self.settings.rootfs
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            raise SandboxUnavailable(
                f"NsJail binary not found or not executable: {binary} (PYEXEC_NSJAIL)"
            )
        if not (rootfs / nsjail.PYTHON.lstrip("/")).exists():
            raise SandboxUnavailable(
                f"no Python in the jail's root filesystem: {rootfs} (PYEXEC_ROOTFS)"
            )

    def renew_lease(self) -> None:
        """In a forked child: take uids of its own (run at fork; see sandbox.uids)."""
        if self._lease is None or self._lease.pid == os.getpid():
            return
        self._lease.release()
        self._lease = None
        try:
            self._lease = uids.lease(self.settings.slots, self.settings.jail_uids)
        except SandboxUnavailable as exc:
            self._lease_problem = str(exc)

    @property
    def uids(self) -> list[int]:
        """The outside uid of each slot, leased at start-up (see sandbox.uids)."""
        return list(self._lease.uids) if self._lease else []

    def _reachability_hint(self, profile: Profile) -> str:
        """Why a jail could not mount the rootfs, where its path is what stops it.

        The patched NsJail attaches the rootfs without walking its path as the jail's uid;
        where the kernel cannot (no open_tree()), every parent folder must be searchable.
        """
        if profile is not Profile.NAMESPACES or not self.uids:
            return ""
        folder = unsearchable_folder(self.settings.rootfs, self.uids[0])
        if folder is None:
            return ""
        return (
            f" (the jail's uid {self.uids[0]} cannot search {folder}, a parent folder of the "
            f"rootfs: put the rootfs (PYEXEC_ROOTFS) in a folder every user may search, "
            f"or run `chmod o+x {folder}`)"
        )

    def _self_test(self, profile: Profile, cgroups: Cgroups | None) -> str | None:
        try:
            outcome = self._run_in_slot(
                0, profile, cgroups, SELF_TEST_SCRIPT, {}, self.settings.limits.defaults
            )
        except SandboxFailure as exc:
            return str(exc)
        if not outcome.ok:
            return f"{outcome.kind.value}: {outcome.error.get('message')} {outcome.stderr[-500:]}"
        result = outcome.result
        confined = isinstance(result, dict) and result.get("uid") not in (0, None)
        if not confined or any(result.get(k) != v for k, v in SELF_TEST_EXPECTED.items()):
            return f"the jail is not confined as required: {result!r}"
        return None

    # Execution -----------------------------------------------------------------------------

    def run(
        self, script: str, args: Mapping[str, Any] | None = None, limits: Limits | None = None
    ) -> Outcome:
        """Run ``script``'s main(**args) in a fresh jail; waits for a free slot."""
        if self.profile is None:
            raise SandboxUnavailable("the sandbox has not passed its start-up self-test")
        self._refuse_if_closing()
        if self.unhealthy:  # Every slot retired, or no uids leased by this process.
            raise SandboxUnavailable(self.unhealthy)
        slot = self._slots.get()
        try:
            self._refuse_if_closing()
            outcome = self._run_in_slot(
                slot, self.profile, self.cgroups, script, dict(args or {}),
                limits if limits is not None else self.settings.limits.defaults,
            )  # fmt: skip
        except SandboxFailure:
            self._refuse_if_closing()  # A jail killed by shutdown() is not a sandbox failure.
            raise
        finally:
            if slot not in self._retired:
                self._slots.put(slot)
        self._refuse_if_closing()
        return outcome

    def shutdown(self) -> None:
        """Kill every running jail and refuse new executions (SIGTERM). Idempotent."""
        self._closing.set()
        self._jails.stop_all()
        if self.profile is Profile.GVISOR:
            for uid in self.uids:
                processes.kill_all_of_uid(uid)

    def _refuse_if_closing(self) -> None:
        if self._closing.is_set():
            raise SandboxUnavailable("the instance is shutting down")

    def _run_in_slot(
        self,
        slot: int,
        profile: Profile,
        cgroups: Cgroups | None,
        script: str,
        args: dict[str, Any],
        limits: Limits,
    ) -> Outcome:
        request = json.dumps(
            {
                "script": script,
                "args": args,
                "max_result_bytes": limits.max_output_bytes,
            }
        ).encode()
        uid = self.uids[slot]
        folder = cgroup = None
        try:
            if profile is Profile.GVISOR:
                folder = _private_folder(self.settings.rootfs, uid)
            if cgroups is not None:
                cgroup = ExecutionCgroup.create(cgroups, uid, limits.jail_memory_bytes)
            argv_for = functools.partial(
                nsjail.build_argv, nsjail=self.settings.nsjail, rootfs=self.settings.rootfs,
                profile=profile, limits=limits, uid=uid, cgroups=cgroups, cgroup=cgroup,
                private_tmp=folder.jail_path if folder else None,
            )  # fmt: skip
            watch = _Watch(profile, uid, limits, folder)
            run = nsjail.run_jail(argv_for, request, limits, self._jails, watch)
            memory = _JailMemory.of(cgroup)
        finally:
            if cgroup is not None:
                cgroup.remove()
            if profile is Profile.GVISOR:
                over_after_all = self._sweep(slot, folder, watch)
        if profile is Profile.GVISOR and run.stopped_at is None and over_after_all:
            run.stopped_at = "tmp"  # Filled between two looks, before the jail ended.
        return _interpret(run, limits, profile, memory)

    def _sweep(self, slot: int, folder: PrivateFolder | None, watch: _Watch | None) -> bool:
        """Without a pid namespace or a tmpfs, end what the jail left behind by hand: kill
        every process of the slot's uid first, so that nothing writes any more, measure the
        folder a last time (whether it is past its bound: the return value), then remove it.

        Raises SandboxFailure, and keeps the slot out of use, if the kill or the removal
        fails: a later execution must never share its uid with a leftover, or find its files.
        """
        uid = self.uids[slot]
        problem, over = None, False
        if not processes.kill_all_of_uid(uid):
            problem = f"processes of uid {uid} survived the sweep"
        elif folder is not None:
            over = watch is not None and watch.folder_over_limit(held_open=False)
            try:
                folder.remove()
            except OSError as exc:
                problem = f"the private folder of uid {uid} could not be removed: {exc}"
        if problem:
            self._retired.add(slot)
            raise SandboxFailure(f"{problem}; slot {slot} retired")
        return over

    @property
    def unhealthy(self) -> str | None:
        """Why this instance can run nothing any more, if it cannot: the platform should
        replace it."""
        if self._retired and len(self._retired) >= self.settings.slots:
            return f"every execution slot is retired: {len(self._retired)} of {self.settings.slots}"
        if self.profile is not None and (self._lease is None or self._lease.pid != os.getpid()):
            return f"no jail uids for this process: {self._lease_problem}"
        return None


class _Watch:
    """What the runner checks while a jail runs, besides the wall time: the CPU time of the
    whole jail, and (gvisor profile) the size of its private folder.

    Not its memory: summing the resident sets of forked processes counts the pages they
    share once per process (gVisor has no proportional count), and would stop honest scripts
    that fork. Memory without a cgroup is bounded per process (RLIMIT_AS); see SECURITY.md.

    Called by nsjail.run_jail with NsJail's pid every sample; returns the limit to stop the
    jail at, or None.
    """

    #: The folder is measured every this many samples (a walk costs more than a reading).
    FOLDER_EVERY = 5

    def __init__(
        self,
        profile: Profile,
        uid: int,
        limits: Limits,
        folder: PrivateFolder | None,
    ) -> None:
        self.profile, self.uid, self.limits, self.folder = profile, uid, limits, folder
        self.samples = 0

    def __call__(self, nsjail_pid: int) -> str | None:
        self.samples += 1
        # Every process of a namespaces jail is below NsJail (orphans go to the jail's init);
        # in the gvisor profile an orphan leaves the tree, but not the slot's uid.
        if self.profile is Profile.NAMESPACES:
            cpu_s = processes.cpu_of_tree(nsjail_pid)
        else:
            cpu_s = processes.cpu_of_uid(self.uid)
        if cpu_s >= self.limits.cpu_time_s:
            return "cpu"
        if self.samples % self.FOLDER_EVERY == 0 and self.folder_over_limit():
            return "tmp"
        return None

    def folder_over_limit(self, held_open: bool = True) -> bool:
        """Whether the private folder, with the deleted files the jail still holds open
        (none once it is killed: ``held_open=False``), is past its bound; False when the walk
        could not count (measured again later)."""
        if self.folder is None:
            return False
        max_bytes, max_entries = self.limits.tmp_size_mib * nsjail.MIB, self.limits.max_tmp_entries
        usage = self.folder.usage(max_bytes, max_entries)
        if usage is None:
            return False
        unlinked = processes.unlinked_file_bytes(self.uid) if held_open else 0
        return usage.bytes + unlinked > max_bytes or usage.entries > max_entries


@dataclass(frozen=True)
class _JailMemory:
    """What the kernel counted of the jail's memory, where it has a cgroup of its own."""

    peak_kib: int | None = None
    limit_hit: bool = False

    @classmethod
    def of(cls, cgroup: ExecutionCgroup | None) -> _JailMemory:
        if cgroup is None:
            return cls()
        try:
            return cls(cgroup.peak_kib(), cgroup.limit_hit())
        except OSError as exc:
            raise SandboxFailure(f"could not read the jail's cgroup {cgroup.path}: {exc}") from exc


def _private_folder(rootfs: Path, uid: int) -> PrivateFolder:
    try:
        return PrivateFolder(rootfs, uid)
    except OSError as exc:
        raise SandboxFailure(f"could not make the jail's private folder: {exc}") from exc


def _renew_lease_in_forked_children(sandbox: Sandbox) -> None:
    """gunicorn imports the function, and so starts the sandbox, before it forks its workers:
    each worker must lease uids of its own rather than share its parent's."""
    ref = weakref.ref(sandbox)

    def renew() -> None:
        alive = ref()
        if alive is not None:
            alive.renew_lease()

    os.register_at_fork(after_in_child=renew)


def unsearchable_folder(path: Path, uid: int) -> Path | None:
    """The first folder on ``path`` (itself included) that ``uid`` may not search, if any."""
    for folder in [*reversed(path.parents), path]:
        try:
            info = folder.stat()
        except OSError:
            return folder
        if info.st_uid == uid:
            bit = stat.S_IXUSR
        elif info.st_gid == uid:  # Each jail uid has the gid of the same number.
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return folder
    return None


def _interpret(
    run: nsjail.JailRun, limits: Limits, profile: Profile, memory: _JailMemory
) -> Outcome:
    """Turn what the jail did into an Outcome, or raise SandboxFailure if it never ran."""
    if not run.started:
        raise SandboxFailure(
            f"NsJail could not start the jail (exit status {run.exit_status}): "
            f"{run.log_problems() or 'no log'}"
        )
    common: dict[str, Any] = {
        "stdout": run.stdout.data.decode("utf-8", "replace"),
        "stderr": run.stderr.data.decode("utf-8", "replace"),
        "stdout_truncated": run.stdout.truncated,
        "stderr_truncated": run.stderr.truncated,
        "duration_ms": round(run.duration_s * 1000, 1),
        "peak_memory_kib": memory.peak_kib,
        "profile": profile.value,
    }
    # A jail the runner stopped at a limit is judged by that limit, whatever it wrote: the
    # private folder's bound holds even if main() returned before the last look found it out.
    frame = None if run.stopped_at else _parse_frame(bytes(run.result.data), run.result.truncated)
    if frame is not None:
        kind, fields = frame
        if kind is Kind.OK:
            return Outcome(Kind.OK, result=fields["result"], **common)
        error = _memory_error(limits) if kind is Kind.MEMORY_LIMIT else fields
        return Outcome(kind, error=error, **common)
    if run.result.data and not (run.timed_out or run.stopped_at or run.child_signal):
        return Outcome(
            Kind.INVALID_RESULT,
            error={"message": "the result channel carried something other than a result "
                   "(the script wrote to it)", "path": "result"},
            **common,
        )  # fmt: skip
    kind, error = _from_status(run, limits, memory)
    return Outcome(kind, error=error, **common)


#: What the wrapper may report, and the type of each of its fields. Timeouts, kills and
#: memory limits are the runner's to judge; a frame claiming one, carrying other fields, or a
#: field of another type, is not trusted.
_TEXT, _LINE, _ANY = (str,), (int, type(None)), None
_FRAME_FIELDS: dict[Kind, dict[str, tuple[type, ...] | None]] = {
    Kind.OK: {"result": _ANY},
    Kind.SYNTAX_ERROR: {"type": _TEXT, "message": _TEXT, "line": _LINE, "offset": _LINE,
                        "text": (str, type(None))},
    Kind.MISSING_MAIN: {"message": _TEXT},
    Kind.EXCEPTION: {"type": _TEXT, "message": _TEXT, "traceback": _TEXT},
    Kind.INVALID_RESULT: {"message": _TEXT, "path": _TEXT},
    Kind.MEMORY_LIMIT: {"message": _TEXT},
    Kind.EXITED: {"message": _TEXT, "exit_code": (int,)},
}  # fmt: skip


def _parse_frame(data: bytes, truncated: bool) -> tuple[Kind, dict[str, Any]] | None:
    """The wrapper's frame, or None if there is none or it is not one the wrapper writes.

    The frame comes from inside the jail, where the script could have written it: it must be
    strict JSON with finite numbers only, of a known kind, with exactly that kind's fields,
    each of its type.
    """
    if not data or truncated:
        return None
    try:
        frame = json.loads(data, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        return None
    if not isinstance(frame, dict):
        return None
    try:
        kind = Kind(frame.pop("kind", None))
    except ValueError:
        return None
    fields = _FRAME_FIELDS.get(kind)
    if fields is None or set(frame) != set(fields):
        return None
    for name, types in fields.items():
        value = frame[name]
        if types is not None and (isinstance(value, bool) or not isinstance(value, types)):
            return None
    return kind, frame


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses as inf, which no response may carry.
        raise ValueError(f"{text} is out of range")
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not strict JSON")


def _from_status(
    run: nsjail.JailRun, limits: Limits, memory: _JailMemory
) -> tuple[Kind, dict[str, Any]]:
    if run.timed_out:
        return Kind.TIMEOUT, {
            "message": f"the script ran longer than the wall time limit of {limits.timeout_s} s",
            "limit": "wall",
            "timeout_s": limits.timeout_s,
        }
    sig = run.child_signal
    # The runner's own verdict; else the kernel's RLIMIT_CPU backstop, a second past the limit.
    backstop = sig == "SIGKILL" and run.cpu_s >= limits.cpu_time_s
    if run.stopped_at == "cpu" or sig == "SIGXCPU" or backstop:
        return Kind.TIMEOUT, {
            "message": f"the script used more than the CPU time limit of {limits.cpu_time_s} s",
            "limit": "cpu",
            "timeout_s": limits.cpu_time_s,
        }
    if run.stopped_at == "tmp":
        return Kind.TMP_LIMIT, {
            "message": f"the script's temporary folder grew past {limits.tmp_size_mib} MiB "
            f"or {limits.max_tmp_entries} entries",
            "tmp_size_mib": limits.tmp_size_mib,
            "max_tmp_entries": limits.max_tmp_entries,
        }
    if memory.limit_hit and sig == "SIGKILL":  # The OOM killer, as the jail's cgroup tells.
        return Kind.MEMORY_LIMIT, _memory_error(limits)
    if sig is not None:
        meaning = _SIGNAL_MEANINGS.get(sig, sig)
        return Kind.KILLED, {
            "message": f"the script was killed by {sig} ({meaning})",
            "signal": sig,
        }
    code = run.child_exit_code
    if code is None:
        raise SandboxFailure(f"the jail ended without a status: {run.log_problems() or 'no log'}")
    if code != 0 and "MemoryError" in run.stderr.data.decode("utf-8", "replace")[-2000:]:
        return Kind.MEMORY_LIMIT, _memory_error(limits)
    return Kind.EXITED, {
        "message": f"the script exited with status {code} before main() returned",
        "exit_code": code,
    }


def _memory_error(limits: Limits) -> dict[str, Any]:
    return {
        "message": f"the script used more than the memory limit of {limits.memory_mib} MiB",
        "memory_mib": limits.memory_mib,
    }
