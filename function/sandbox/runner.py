"""The sandbox as a whole: choose and prove a profile once, then run scripts in jails.

    sandbox = Sandbox(Settings.from_env())
    sandbox.start()                      # raises SandboxUnavailable: nothing will run
    outcome = sandbox.run(script, {"x": 1}, sandbox.settings.limits.resolve({"timeout_s": 2}))

There is no unsandboxed fallback: if no profile passes its self-test, ``run`` refuses.

Every jail runs one script and ends. Where warm jails are on (the default), each slot keeps a
jail of each preload set ready (sandbox.pool), started under the server's maximum limits; a
request takes one, and the wrapper narrows every limit to the request's own before the
script's first line. A request that finds none ready, or asks for a /tmp size no warm jail
has, gets a jail started for it (cold), under its own limits from the start.

Every jail, running or waiting, runs as a uid of its own: a waiting jail must be out of reach
of the script that runs beside it (the gvisor profile has no pid namespace, and its sweep
kills every process of a uid).
"""

from __future__ import annotations

import atexit
import functools
import json
import math
import os
import queue
import re
import stat
import sys
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sandbox import devices, nsjail, processes, uids
from sandbox.config import Settings
from sandbox.errors import SandboxFailure, SandboxUnavailable
from sandbox.execution_cgroup import ExecutionCgroup
from sandbox.limits import Limits
from sandbox.outcome import Kind, Outcome
from sandbox.pool import BARE, JailPool, PreloadSet, preload_for
from sandbox.private_folder import PrivateFolder
from sandbox.profiles import Cgroups, Profile, auto_profile, prepare_cgroups

#: Run at start-up through the whole path. Passing means the jail runs Python, returns a
#: result, and is really confined: not root, no network, a read-only root, x32 and i386 system
#: calls refused by the seccomp policy, and its memory limit lowered to the request's (a warm
#: jail's starts at the maximum).
SELF_TEST_SCRIPT = """
import ctypes, mmap, os, resource, socket

def x32_socket():
    return ctypes.CDLL(None).syscall(0x40000000 | 41, 2, 1, 0)

def i386_getpid():
    code = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    code.write(bytes.fromhex("b814000000cd80c3"))  # mov eax, 20; int 0x80; ret
    return ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(code)))()

def refused(call, only_by_the_policy):
    child = os.fork()
    if child == 0:
        os._exit(1 if call() >= 0 else 0)
    _, status = os.waitpid(child, 0)
    if only_by_the_policy:  # the policy's SIGSYS, not a kernel that lacks the ABI (ENOSYS)
        return "closed" if os.WIFSIGNALED(status) and os.WTERMSIG(status) == 31 else "open"
    return "open" if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1 else "closed"

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
    memory = resource.getrlimit(resource.RLIMIT_AS)
    return {"uid": os.getuid(), "network": network, "root": root,
            "x32": refused(x32_socket, True), "i386": refused(i386_getpid, False),
            "memory": memory}
"""
#: What the self-test must return (besides a uid that is not root's).
SELF_TEST_EXPECTED = {"network": "closed", "root": "read-only", "x32": "closed", "i386": "closed"}

#: How long a jail may take to become ready (NsJail's set-up, the interpreter, the preload).
READY_WITHIN_S = 30.0
#: How long a request waits for a warm jail already being started before it starts its own.
WAIT_FOR_WARM_S = READY_WITHIN_S
#: A warm jail older than this is replaced rather than used: NsJail's own time limit, a
#: backstop should the server die, counts from the jail's start and allows this much more
#: than the longest request.
WARM_LIFETIME_S = 600

_SIGNAL_MEANINGS = {
    "SIGSYS": "a forbidden system call",  # Where sigsys.so named none: see _forbidden_call.
    "SIGSEGV": "a segmentation fault",
    "SIGABRT": "an abort",
    "SIGKILL": "a kill signal",
    "SIGBUS": "a bus error",
    "SIGFPE": "an arithmetic fault",
}
#: The line the rootfs's sigsys.so (sandbox-image/sigsys.c) writes to the jail's stderr as the
#: seccomp policy's trap kills a process: the call's name ("x32 " before an x32 call's) and its
#: number, or the number alone where the rootfs's build had no name for it.
_FORBIDDEN_CALL = re.compile(
    rb"^pyexec: killed by a forbidden system call: "
    rb"(?:(?P<name>(?:x32 )?[a-z0-9_]{1,31}) \((?P<named>[0-9]{1,10})\)|(?P<number>[0-9]{1,10}))$",
    re.MULTILINE,
)
#: Where a script that needs a call the sandbox does not allow is told to look.
_HOW_TO_ASK = "README, 'How a script is isolated', says how to ask for one"


class Sandbox:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else Settings.from_env()
        self.profile: Profile | None = None
        self.cgroups: Cgroups | None = None
        self._slots = threading.BoundedSemaphore(self.settings.slots)
        self._lease: uids.UidLease | None = None
        self._lease_problem = "the sandbox has not been started"
        self._free_uids: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._start_lock = threading.Lock()
        self._jails = nsjail.JailRegistry()
        self._retired: set[int] = set()
        self._closing = threading.Event()
        self._pool: JailPool[_Jail] | None = None
        self._pool_pid: int | None = None
        self._shared_devices_reported = False
        #: Where the sandbox tells of what happens in the background (warm jails failing to
        #: start): ``report(severity, message, **fields)``. The service logs it.
        self.report: Callable[..., None] = _report_to_stderr

    @property
    def preload_sets(self) -> tuple[PreloadSet, ...]:
        """The kinds of warm jail: the bare one, then each configured preload set."""
        return (BARE, *(PreloadSet(modules) for modules in self.settings.preload_sets))

    @property
    def uids_needed(self) -> int:
        """One uid per jail that can exist at once: a running one per slot, and (warm jails
        on) a waiting one per slot and preload set."""
        kinds = len(self.preload_sets) if self.settings.warm_jails else 0
        return self.settings.slots * (1 + kinds)

    # Start-up ------------------------------------------------------------------------------

    def start(self) -> Profile:
        """Choose the profile, prove it with a self-test jail; raise SandboxUnavailable."""
        with self._start_lock:
            if self.profile is not None:
                return self.profile
            self._check_files()
            if self._lease is None:
                self._take_lease()
                _renew_lease_in_forked_children(self)
            profile = self.settings.profile or auto_profile()
            if profile is Profile.GVISOR:
                self._prepare_devices()
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

    @property
    def swap_capped(self) -> bool:
        """Whether each jail's swap is capped at nothing (see ExecutionCgroup)."""
        return self.cgroups is not None and self.cgroups.swap

    @property
    def swap_reason(self) -> str:
        """Why swap is not capped: what the start-up log says."""
        if self.cgroups is None:
            where = "the gvisor profile" if self.profile is Profile.GVISOR else "this host"
            return (
                f"{where} gives the jails no cgroups; RLIMIT_AS still bounds each "
                "jail's address space, swapped pages included"
            )
        return (
            "the kernel does not account swap in cgroups (v1: no memory.memsw files, "
            "v2: no memory.swap.max); where the host has swap, a jail's pages can go out "
            "past its memory limit, within RLIMIT_AS"
        )

    def _prepare_devices(self) -> None:
        """The gvisor profile's /dev (sandbox.devices). Without it jails still run, as they
        would without /dev/null anywhere: the start-up log says why."""
        try:
            devices.prepare(self.settings.rootfs)
        except OSError as exc:
            self.report(
                "WARNING",
                f"the jails' /dev could not be made ({exc}): /dev/null, /dev/zero, "
                "/dev/urandom and /dev/shm are missing in the gvisor profile",
            )

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

    def _take_lease(self) -> None:
        self._lease = uids.lease(self.uids_needed, self.settings.jail_uids)
        self._free_uids = queue.SimpleQueue()
        for uid in self._lease.uids:
            self._clear_leftovers(uid)
            self._free_uids.put(uid)

    def _clear_leftovers(self, uid: int) -> None:
        """End what a server that died left of a uid that is ours now: its processes (a jail
        it ran, until NsJail's time limit), then its private folders (gvisor profile).
        Raises SandboxUnavailable if they cannot be: the uid could not be used safely."""
        if not processes.kill_all_of_uid(uid):
            raise SandboxUnavailable(f"processes of uid {uid}, left by a server, survive a kill")
        try:
            for folder in PrivateFolder.left_by(self.settings.rootfs, uid):
                folder.remove()
            devices.remove_entries_of(self.settings.rootfs, uid)
        except OSError as exc:
            raise SandboxUnavailable(f"a folder of uid {uid}, left by a server: {exc}") from exc

    def renew_lease(self) -> None:
        """In a forked child: take uids of its own (run at fork; see sandbox.uids). The
        parent's warm jails are not the child's: it starts its own (see warm())."""
        if self._lease is None or self._lease.pid == os.getpid():
            return
        self._lease.release()
        self._lease = None
        # The parent's jails, waiting or running, are not the child's to stop or to use.
        self._pool, self._pool_pid = None, None
        self._jails = nsjail.JailRegistry()
        self._retired = set()
        try:
            self._take_lease()
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
        """Run the self-test as requests run: in a jail started under the warm jails' limits
        (where they are on), narrowed to the defaults at the hand-over."""
        defaults = self.settings.limits.defaults
        self.profile, self.cgroups = profile, cgroups  # What _make_jail and _use work with.
        try:
            if self.settings.warm_jails:
                jail = self._make_jail(BARE, self._warm_limits)
            else:
                jail = self._cold_jail(defaults)
            outcome = self._use(jail, SELF_TEST_SCRIPT, {}, defaults, time.monotonic(), False)
        except (SandboxFailure, _NotTaken) as exc:
            return str(exc)
        finally:
            self.profile = None
        if not outcome.ok:
            return f"{outcome.kind.value}: {outcome.error.get('message')} {outcome.stderr[-500:]}"
        result = outcome.result
        expected = {**SELF_TEST_EXPECTED, "memory": [defaults.memory_mib * nsjail.MIB] * 2}
        confined = isinstance(result, dict) and result.get("uid") not in (0, None)
        if not confined or any(result.get(k) != v for k, v in expected.items()):
            return f"the jail is not confined as required: {result!r}"
        return None

    # Execution -----------------------------------------------------------------------------

    def warm(self, wait_s: float | None = None) -> bool:
        """Start this process's warm jails, if they are on and not started yet (the first
        run() does it too; a forked worker starts its own). With ``wait_s``, wait until every
        place holds a ready jail; False if that took longer."""
        if not self.settings.warm_jails or self.profile is None or self._closing.is_set():
            return False
        if self._pool is None or self._pool_pid != os.getpid():
            self._start_pool()
        assert self._pool is not None
        return self._pool.wait_until_full(wait_s) if wait_s is not None else True

    def _start_pool(self) -> None:
        with self._start_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = JailPool(
                    self.preload_sets, self.settings.slots,
                    make=lambda preload: self._make_jail(preload, self._warm_limits),
                    alive=self._waits, discard=self._discard, report=self.report,
                )  # fmt: skip
                self._pool_pid = os.getpid()
                self._pool.start()
                atexit.register(self.shutdown)  # Waiting jails and their folders go with us.

    def waiting_uids(self, settle_s: float = 0) -> list[int]:
        """The uids of the warm jails that wait now; with ``settle_s``, once every place is
        filled again (or that long has passed). For tests and measurements."""
        pool = self._pool if self._pool_pid == os.getpid() else None
        if pool is None or self._closing.is_set():
            return []
        if settle_s:
            pool.wait_until_full(settle_s)
        return [jail.uid for jail in pool.waiting()]

    def run(
        self, script: str, args: Mapping[str, Any] | None = None, limits: Limits | None = None
    ) -> Outcome:
        """Run ``script``'s main(**args) in a jail of its own; waits for a free slot."""
        if self.profile is None:
            raise SandboxUnavailable("the sandbox has not passed its start-up self-test")
        self._refuse_if_closing()
        if self.unhealthy:  # Too many uids retired, or no uids leased by this process.
            raise SandboxUnavailable(self.unhealthy)
        limits = limits if limits is not None else self.settings.limits.defaults
        self.warm()
        with self._slots:
            try:
                self._refuse_if_closing()
                outcome = self._execute(script, dict(args or {}), limits)
            except SandboxFailure:
                self._refuse_if_closing()  # A jail killed by shutdown() is not a failure.
                raise
        self._refuse_if_closing()
        return outcome

    def shutdown(self) -> None:
        """Kill every jail, running or waiting, and refuse new executions (SIGTERM).
        Idempotent."""
        self._closing.set()
        pool = self._pool if self._pool_pid == os.getpid() else None
        waiting = pool.close() if pool is not None else []
        self._jails.stop_all()  # Every NsJail at once, running and waiting.
        for jail in waiting:
            self._discard(jail)
        if self.profile is Profile.GVISOR:
            for uid in self.uids:
                processes.kill_all_of_uid(uid)

    def _refuse_if_closing(self) -> None:
        if self._closing.is_set():
            raise SandboxUnavailable("the instance is shutting down")

    @functools.cached_property
    def _warm_limits(self) -> Limits:
        """What a warm jail starts under: the most any request may ask for, and the default
        /tmp size (a tmpfs's size is fixed when it is mounted). NsJail's own time limit, and
        RLIMIT_CPU, count from the jail's start: see WARM_LIFETIME_S and READY_WITHIN_S."""
        policy = self.settings.limits
        return replace(policy.maximums, tmp_size_mib=policy.defaults.tmp_size_mib,
                       timeout_s=WARM_LIFETIME_S + policy.maximums.timeout_s,
                       # RLIMIT_CPU counts the preload too: the wrapper narrows it to what it
                       # used, plus the request's limit.
                       cpu_time_s=policy.maximums.cpu_time_s + READY_WITHIN_S)  # fmt: skip

    def _execute(self, script: str, args: dict[str, Any], limits: Limits) -> Outcome:
        """Run in a warm jail where one fits, else in a jail started for this request. A warm
        jail that cannot take the request (it ended while it waited, killed from outside or
        out of memory; or its cgroup cannot be narrowed) runs nothing: the request then gets
        a cold one."""
        asked = time.monotonic()
        if self._pool is not None and self._fits_warm(limits):
            jail = self._pool.take(preload_for(script, self._pool.sets), WAIT_FOR_WARM_S)
            if jail is not None:
                try:
                    return self._use(jail, script, args, limits, asked, warm=True)
                except _NotTaken as exc:
                    self.report("WARNING", f"a warm jail could not take its request ({exc}); "
                                "running it in a new jail", preload=jail.preload.name)  # fmt: skip
        try:
            return self._use(self._cold_jail(limits), script, args, limits, asked, warm=False)
        except _NotTaken as exc:
            raise SandboxFailure(str(exc)) from None

    def _cold_jail(self, limits: Limits) -> _Jail:
        """A bare jail started for one request, under its own limits from the start; NsJail's
        time limit, counted from the start, also allows for becoming ready."""
        return self._make_jail(BARE, replace(limits, timeout_s=limits.timeout_s + READY_WITHIN_S))

    def _fits_warm(self, limits: Limits) -> bool:
        """Whether a warm jail can give a request exactly its limits: all but the tmpfs's
        size are narrowed inside the jail (the gvisor profile's folder is bounded by the
        runner, whatever the size)."""
        tmp = self._warm_limits.tmp_size_mib
        return self.profile is Profile.GVISOR or limits.tmp_size_mib == tmp

    def _make_jail(self, preload: PreloadSet, start_limits: Limits) -> _Jail:
        """Start a jail and wait until it is ready; raise SandboxFailure if it cannot be."""
        assert self.profile is not None
        try:
            uid = self._free_uids.get(timeout=READY_WITHIN_S)
        except queue.Empty:
            raise SandboxFailure("no jail uid came free (too many retired)") from None
        jail = _Jail(uid, preload)
        try:
            nodes = None
            if self.profile is Profile.GVISOR:
                jail.folder = _private_folder(self.settings.rootfs, uid)
            else:
                nodes = self._device_nodes(uid)
            if self.cgroups is not None:
                jail.cgroup = ExecutionCgroup.create(
                    self.cgroups, uid, start_limits.jail_memory_bytes, start_limits.max_processes
                )
            program, code = nsjail.wrapper_program(self.settings.rootfs)
            argv_for = functools.partial(
                nsjail.build_argv, nsjail=self.settings.nsjail, rootfs=self.settings.rootfs,
                profile=self.profile, limits=start_limits, uid=uid, cgroups=self.cgroups,
                cgroup=jail.cgroup, private_tmp=jail.folder.jail_path if jail.folder else None,
                devices=nodes, preload=preload.modules, program=program,
            )  # fmt: skip
            jail.process = nsjail.start(argv_for, self._jails)
            if not nsjail.wait_ready(jail.process, code, READY_WITHIN_S):
                raise SandboxFailure(f"NsJail could not start the jail: {jail.process.problems()}")
        except BaseException:
            self._discard(jail, check=False)
            raise
        return jail

    def _device_nodes(self, uid: int) -> Path:
        """The folder of the namespaces jail's null, zero and urandom: its uid's own
        (sandbox.devices), or the host's where they cannot be made, which the log says once:
        there a lock on /dev/null is seen by the other jails running at the same time."""
        try:
            return devices.nodes_of(uid)
        except OSError as exc:
            if not self._shared_devices_reported:
                self._shared_devices_reported = True
                self.report("WARNING", f"the jails share the host's /dev/null, /dev/zero and "
                            f"/dev/urandom: their own could not be made ({exc})")  # fmt: skip
            return Path("/dev")

    def _waits(self, jail: _Jail) -> bool:
        """Whether a warm jail can still be handed a request."""
        assert jail.process is not None
        young = time.monotonic() - jail.process.started_at < WARM_LIFETIME_S
        return young and jail.process.alive()

    def _discard(self, jail: _Jail, check: bool = True) -> None:
        """End a jail that runs nothing more, and clean up after it (see _clean_up)."""
        if jail.process is not None:
            jail.process.close()
        try:
            self._clean_up(jail)
        except SandboxFailure as exc:
            if check:
                self.report("ERROR", str(exc))
            else:
                raise

    def _use(
        self,
        jail: _Jail,
        script: str,
        args: dict[str, Any],
        limits: Limits,
        asked: float,
        warm: bool,
    ) -> Outcome:
        """Hand a ready jail its request and make an Outcome of the run. Raises _NotTaken if
        the jail could not take the request: nothing ran."""
        assert self.profile is not None and jail.process is not None
        watch = run = None
        wait_ms = round((time.monotonic() - asked) * 1000, 1)
        try:
            request = nsjail.encode_request({
                "script": script,
                "args": args,
                "max_result_bytes": limits.max_output_bytes,
                "limits": {
                    "cpu_s": limits.cpu_time_s,
                    "as_bytes": limits.memory_mib * nsjail.MIB,
                    "nproc": limits.max_processes,
                    "nofile": limits.max_open_files,
                    "fsize_bytes": limits.max_file_size_mib * nsjail.MIB,
                },
            })  # fmt: skip
            if jail.cgroup is not None:
                try:
                    jail.cgroup.narrow(limits.jail_memory_bytes, limits.max_processes)
                except SandboxFailure as exc:
                    raise _NotTaken(str(exc)) from None
            watch = _Watch(self.profile, jail.uid, limits, jail.folder, jail.process.pid,
                           self.settings.rootfs)  # fmt: skip
            run = nsjail.hand_over(jail.process, request, limits, watch, watch.cpu_before_s)
            memory = _JailMemory.of(jail.cgroup)
        finally:
            jail.process.close()  # Reaped already, unless the hand-over never happened.
            over_after_all = self._clean_up(jail, watch if jail.folder else None)
        stopped = run.timed_out or run.stopped_at is not None or self._closing.is_set()
        if not run.script_started and not stopped:  # It ended by itself: nothing ran.
            stderr = run.stderr.data.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise _NotTaken(
                f"the jail ended before it took its request (exit status {run.exit_status}): "
                + ("\n".join([run.log_problems(), *stderr]).strip() or "no log")
            )
        if run.stopped_at is None and over_after_all:
            run.stopped_at = "tmp"  # Filled between two looks, before the jail ended.
        return replace(
            _interpret(run, limits, self.profile, memory), warm=warm, jail_wait_ms=wait_ms
        )

    def _clean_up(self, jail: _Jail, watch: _Watch | None = None) -> bool:
        """After a jail ended: remove its cgroup; without a pid namespace or a tmpfs (gvisor
        profile), end what it left behind by hand: kill every process of its uid first, so
        that nothing writes any more, measure its folder a last time (whether it is past its
        bound: the return value), then remove it. Its uid is then free again.

        Raises SandboxFailure, and keeps the uid out of use, if the kill or the removal
        fails: a later jail must never share its uid with a leftover, or find its files.
        """
        uid = jail.uid
        problem, over = None, False
        if jail.cgroup is not None:
            try:
                jail.cgroup.remove()
            except SandboxFailure as exc:
                problem = str(exc)
        if self.profile is Profile.GVISOR and problem is None:
            if not processes.kill_all_of_uid(uid):
                problem = f"processes of uid {uid} survived the sweep"
            elif jail.folder is not None:
                over = watch is not None and watch.folder_over_limit(held_open=False)
                try:
                    jail.folder.remove()
                    devices.remove_entries_of(self.settings.rootfs, uid)
                except OSError as exc:
                    problem = f"the private folder of uid {uid} could not be removed: {exc}"
        if problem:
            self._retired.add(uid)
            raise SandboxFailure(f"{problem}; uid {uid} retired")
        self._free_uids.put(uid)
        return over

    @property
    def unhealthy(self) -> str | None:
        """Why this instance can run nothing any more, if it cannot: the platform should
        replace it."""
        if self._retired and len(self._retired) >= self.settings.slots:
            return (
                f"{len(self._retired)} jail uids are retired after failed clean-ups, as many "
                f"as the instance has slots ({self.settings.slots})"
            )
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
    #: Looks in a row that could not measure the folder (it changed under the walk) before
    #: it counts as past its bound: a measurement a script can disturb fails closed.
    UNMEASURED_LIMIT = 2

    def __init__(
        self,
        profile: Profile,
        uid: int,
        limits: Limits,
        folder: PrivateFolder | None,
        nsjail_pid: int,
        rootfs: Path,
    ) -> None:
        self.profile, self.uid, self.limits, self.folder = profile, uid, limits, folder
        self.rootfs = rootfs
        self.unmeasured = 0
        self.samples = 0
        self.cpu_before_s = self.cpu_s(nsjail_pid)
        """What the jail used before its hand-over (its start, its preload): not the script's."""

    def cpu_s(self, nsjail_pid: int) -> float:
        # Every process of a namespaces jail is below NsJail (orphans go to the jail's init);
        # in the gvisor profile an orphan leaves the tree, but not the jail's uid.
        if self.profile is Profile.NAMESPACES:
            return processes.cpu_of_tree(nsjail_pid)
        return processes.cpu_of_uid(self.uid)

    def __call__(self, nsjail_pid: int) -> str | None:
        self.samples += 1
        if self.cpu_s(nsjail_pid) - self.cpu_before_s >= self.limits.cpu_time_s:
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
        # /dev/shm, shared by the jails of this profile, has the same bound as the folder.
        shm = devices.usage_of(self.rootfs, self.uid, max_bytes, max_entries)
        if usage is None or shm is None:
            # A tree that changed under the walk is counted again at the next look; one that
            # keeps changing (a script moving folders to blind the walk) is past its bound.
            self.unmeasured += 1
            return self.unmeasured >= self.UNMEASURED_LIMIT
        self.unmeasured = 0
        unlinked = processes.unlinked_file_bytes(self.uid) if held_open else 0
        if usage.bytes + unlinked > max_bytes or usage.entries > max_entries:
            return True
        return shm.bytes > max_bytes or shm.entries > max_entries


class _NotTaken(Exception):
    """A ready jail could not take its request: nothing ran in it."""


@dataclass
class _Jail:
    """A jail the runner started, and what it runs as and in."""

    uid: int
    preload: PreloadSet
    process: nsjail.Jail | None = None
    folder: PrivateFolder | None = None
    cgroup: ExecutionCgroup | None = None


def _report_to_stderr(severity: str, message: str, **fields: Any) -> None:
    details = "".join(f" {key}={value}" for key, value in fields.items())
    print(f"pyexec sandbox {severity}: {message}{details}", file=sys.stderr)


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
    if not (run.script_started or run.timed_out or run.stopped_at):  # Killed by shutdown().
        raise SandboxFailure(f"the jail was stopped (exit status {run.exit_status})")
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
    frame = None if run.stopped_at else _parse_frame(run.frame, run.result.truncated)
    if frame is not None:
        kind, fields = frame
        if kind is Kind.OK:
            return Outcome(Kind.OK, result=fields["result"], **common)
        error = _memory_error(limits) if kind is Kind.MEMORY_LIMIT else fields
        return Outcome(kind, error=error, **common)
    if run.frame and not (run.timed_out or run.stopped_at or run.child_signal):
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
        error = {"message": f"the script was killed by {sig} ({meaning})", "signal": sig}
        if sig == "SIGSYS":
            error.update(_forbidden_call(run.stderr.data))
        return Kind.KILLED, error
    code = run.child_exit_code
    if code is None:
        raise SandboxFailure(f"the jail ended without a status: {run.log_problems() or 'no log'}")
    if code != 0 and "MemoryError" in run.stderr.data.decode("utf-8", "replace")[-2000:]:
        return Kind.MEMORY_LIMIT, _memory_error(limits)
    return Kind.EXITED, {
        "message": f"the script exited with status {code} before main() returned",
        "exit_code": code,
    }


def _forbidden_call(stderr: bytes | bytearray) -> dict[str, str]:
    """The message and ``syscall`` field that name the call a SIGSYS death was for, from the
    last line sigsys.so wrote (a forked child's, killed earlier, may precede it); nothing
    where there is none: stderr was closed, redirected or full, or the script replaced the
    SIGSYS handler.

    The script writes to the same stderr, so it can forge the line. That is harmless: the line
    is read only once NsJail saw the jail die of SIGSYS, so it can change nothing but the
    script's own error message, never its kind or signal; and its pattern admits no text but
    a call's name and number.
    """
    lines = list(_FORBIDDEN_CALL.finditer(stderr))
    if not lines:
        return {}
    line = lines[-1]
    if line["name"] is None:
        return {
            "message": f"the script was killed by SIGSYS: it made system call number "
            f"{line['number'].decode()}, which the sandbox does not allow ({_HOW_TO_ASK})"
        }
    name = line["name"].decode()
    if name.startswith("x32 "):
        message = (
            f"the script was killed by SIGSYS: it made the x32 system call {name[4:]}, which "
            "the sandbox never allows (it runs x86_64 code only)"
        )
    else:
        message = (
            f"the script was killed by SIGSYS: it made the system call {name}, which the "
            f"sandbox does not allow ({_HOW_TO_ASK})"
        )
    return {"message": message, "syscall": name}


def _memory_error(limits: Limits) -> dict[str, Any]:
    return {
        "message": f"the script used more than the memory limit of {limits.memory_mib} MiB",
        "memory_mib": limits.memory_mib,
    }
