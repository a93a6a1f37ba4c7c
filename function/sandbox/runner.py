"""The sandbox as a whole: choose and prove a profile once, then run scripts in jails.

    sandbox = Sandbox(Settings.from_env())
    sandbox.start()                      # raises SandboxUnavailable: nothing will run
    outcome = sandbox.run(script, {"x": 1}, sandbox.settings.limits.resolve({"timeout_s": 2}))

There is no unsandboxed fallback: if no profile passes its self-test, ``run`` refuses.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sandbox import nsjail
from sandbox.config import Settings
from sandbox.errors import SandboxFailure, SandboxUnavailable
from sandbox.limits import Limits
from sandbox.outcome import Kind, Outcome
from sandbox.profiles import Cgroups, Profile, auto_profile, prepare_cgroups

#: Run at start-up through the whole path. Passing means the jail runs Python, returns a
#: result, and is really confined: not root, no network, a read-only root.
SELF_TEST_SCRIPT = """
import os, socket

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
    return {"uid": os.getuid(), "network": network, "root": root}
"""

_SIGNAL_MEANINGS = {
    "SIGSYS": "a forbidden system call",
    "SIGSEGV": "a segmentation fault",
    "SIGABRT": "an abort",
    "SIGKILL": "SIGKILL",
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
        self._start_lock = threading.Lock()
        self._jails = nsjail.JailRegistry()
        self._closing = threading.Event()

    # Start-up ------------------------------------------------------------------------------

    def start(self) -> Profile:
        """Choose the profile, prove it with a self-test jail; raise SandboxUnavailable."""
        with self._start_lock:
            if self.profile is not None:
                return self.profile
            self._check_files()
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
        if not (
            isinstance(result, dict)
            and result.get("uid") not in (0, None)
            and result.get("network") == "closed"
            and result.get("root") == "read-only"
        ):
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
            self._slots.put(slot)
        self._refuse_if_closing()
        return outcome

    def shutdown(self) -> None:
        """Kill every running jail and refuse new executions (SIGTERM). Idempotent."""
        self._closing.set()
        self._jails.kill_all()
        if self.profile is Profile.GVISOR:
            for slot in range(self.settings.slots):
                self._sweep(slot)

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
        argv_for = functools.partial(
            _argv, self.settings.nsjail, self.settings.rootfs, profile, limits, slot, cgroups
        )
        try:
            run = nsjail.run_jail(argv_for, request, limits, self._jails)
        finally:
            if profile is Profile.GVISOR:
                self._sweep(slot)
        return _interpret(run, limits, profile, cgroups)

    def _sweep(self, slot: int) -> None:
        """Without a pid namespace or a tmpfs, end what the jail left behind by hand."""
        uid = nsjail.UID_BASE + slot
        if has_processes(uid):
            kill_all_of_uid(uid, self.settings.rootfs)
        remove_files_of_uid(self.settings.rootfs / "tmp", uid)


def _argv(
    binary: Path, rootfs: Path, profile: Profile, limits: Limits, slot: int,
    cgroups: Cgroups | None, result_fd: int, log_fd: int,
) -> list[str]:  # fmt: skip
    return nsjail.build_argv(
        nsjail=binary, rootfs=rootfs, profile=profile, limits=limits, slot=slot,
        cgroups=cgroups, result_fd=result_fd, log_fd=log_fd,
    )  # fmt: skip


def has_processes(uid: int) -> bool:
    """Whether any process runs as ``uid`` (/proc/<pid> belongs to the process's uid).

    Sound without a race: while the slot is held, only a process of that uid could make another.
    """
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit() and entry.stat(follow_symlinks=False).st_uid == uid:
                return True
        except FileNotFoundError:
            continue
    return False


def kill_all_of_uid(uid: int, rootfs: Path) -> None:
    """SIGKILL every process of ``uid``, as that uid: kill(-1) reaches exactly those.

    The killer is the jail's own interpreter, entered with coreutils' chroot: it is the one
    Python a jail uid can surely execute (the server's may sit in a folder it cannot read).
    """
    subprocess.run(
        ["/usr/sbin/chroot", f"--userspec={uid}:{uid}", "--groups=", str(rootfs),
         nsjail.PYTHON, "-I", "-S", "-c", _KILL_ALL_OF_MY_UID],
        env={}, check=False, timeout=10,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


_KILL_ALL_OF_MY_UID = """
import os
for _ in range(3):  # Again, in case a fork raced the first kill.
    try:
        os.kill(-1, 9)
    except ProcessLookupError:
        break
"""


def remove_files_of_uid(tmp: Path, uid: int) -> None:
    """Delete what ``uid`` created in the shared /tmp of the gvisor profile."""
    try:
        entries = list(os.scandir(tmp))
    except FileNotFoundError:
        return
    for entry in entries:
        try:
            if entry.stat(follow_symlinks=False).st_uid != uid:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:
            continue


def _interpret(
    run: nsjail.JailRun, limits: Limits, profile: Profile, cgroups: Cgroups | None
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
        "peak_memory_kib": run.peak_rss_kib or None,
        "profile": profile.value,
    }
    if run.result.data:
        return _from_frame(bytes(run.result.data), run.result.truncated, limits, common)
    kind, error = _from_status(run, limits, cgroups)
    return Outcome(kind, error=error, **common)


def _from_frame(data: bytes, truncated: bool, limits: Limits, common: dict[str, Any]) -> Outcome:
    try:
        frame = json.loads(data) if not truncated else None
        kind = Kind(frame.pop("kind")) if isinstance(frame, dict) else None
    except (ValueError, KeyError):
        kind = None
    if kind is None or not isinstance(frame, dict):
        return Outcome(
            Kind.INVALID_RESULT,
            error={"message": "the result channel carried something other than a result "
                   "(the script wrote to it)", "path": "result"},
            **common,
        )  # fmt: skip
    if kind is Kind.OK:
        return Outcome(Kind.OK, result=frame.get("result"), **common)
    if kind is Kind.MEMORY_LIMIT:
        frame = _memory_error(limits)
    return Outcome(kind, error=frame, **common)


def _from_status(
    run: nsjail.JailRun, limits: Limits, cgroups: Cgroups | None
) -> tuple[Kind, dict[str, Any]]:
    if run.timed_out:
        return Kind.TIMEOUT, {
            "message": f"the script ran longer than the wall time limit of {limits.timeout_s} s",
            "limit": "wall",
            "timeout_s": limits.timeout_s,
        }
    sig = run.child_signal
    cpu_exhausted = run.cpu_s >= limits.cpu_time_s
    if sig == "SIGXCPU" or (sig == "SIGKILL" and cpu_exhausted):
        return Kind.TIMEOUT, {
            "message": f"the script used more than the CPU time limit of {limits.cpu_time_s} s",
            "limit": "cpu",
            "timeout_s": limits.cpu_time_s,
        }
    memory_kib = limits.memory_mib * 1024
    if sig == "SIGKILL" and cgroups is not None and run.peak_rss_kib >= memory_kib * 0.9:
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
