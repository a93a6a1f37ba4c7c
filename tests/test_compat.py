"""Honest code behaves inside the jail exactly as outside it, in this host's profile.

Every ordinary script of tests/compat/ and every docstring example of the modules
tests/compat/doctests.py names run twice: inside the jail, through the real sandbox, and in
the outside reference (tests/compat/reference/outside.py: the same rootfs interpreter,
chrooted, unprivileged, offline, with a private /tmp and /dev/shm, but no jail). Each script
must end the same way on both sides (its result, or its exception's type and message, or its
signal or exit code, and what it printed); each example must pass on both sides or fail on
both. A difference is reported only if a second run of both sides shows it again, and fails
its test unless DELIBERATE lists it, with the SECURITY.md section that documents it.

`make test` runs this file on the host (namespaces profile) and inside
``runsc --network=none do`` (gvisor profile). Everything runs once, up front and concurrently
(the `comparison` fixture): the sandbox's slots for the jail's side, as many outside runs at
a time for the reference's, so that the whole file takes minutes, not the sum of its runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from compat import doctests as runner
from compat.reference import outside
from sandbox import Limits, Outcome, Sandbox

REPO = Path(__file__).resolve().parent.parent
COMPAT = REPO / "tests" / "compat"
RUNNER = COMPAT / "doctests.py"
CORPUS = {path.stem: path for path in sorted(COMPAT.glob("*.py")) if path != RUNNER}
MODULES = [module for batch in runner.BATCHES for module in batch]
SECURITY = REPO / "SECURITY.md"

#: Generous enough that no ordinary script meets a limit on either side: what is compared is
#: behaviour, not limits (the reference applies the same rlimits; see outside.py).
SCRIPT_LIMITS: dict[str, float] = {"timeout_s": 15, "cpu_time_s": 15, "memory_mib": 1024,
                                   "max_processes": 64, "max_open_files": 256}  # fmt: skip
#: The server's maxima for time and memory, and room for the lists of failed examples.
DOCTEST_LIMITS: dict[str, float] = {
    **SCRIPT_LIMITS, "timeout_s": 60, "cpu_time_s": 60, "memory_mib": 2048,
    "max_output_bytes": 8 * 1024 * 1024,
}  # fmt: skip
#: A batch of examples killed (or stopped) this many times is given up: its other examples
#: are reported as not compared.
MAX_RESTARTS = 40


@dataclass(frozen=True)
class Deliberate:
    """A difference the jail makes on purpose."""

    why: str
    section: str
    """The SECURITY.md section ("## ...") that documents it."""
    inside: str
    """How the jail's run ends, as ``Seen.ending`` says it: a deliberate difference does not
    hide another one."""
    profiles: tuple[str, ...] = ("namespaces", "gvisor")


_INSIDE_OUT = "Honest code, inside and out"
_NETWORK = "no network of any kind: socket() is EACCES for every family"
_NO_UNIX_SOCKETS = (
    "the gvisor profile has no network namespace, so socket() is EACCES for AF_UNIX too (an "
    "AF_UNIX socket could reach the container's abstract names)"
)
_FORK_ONLY = (
    "the gvisor profile offers fork only: gVisor loses the wake-ups of semaphores shared by "
    "processes that did not fork from one another, and forkserver listens on an AF_UNIX socket"
)
_PRIVILEGE = "chown and the set*id family are EPERM, even to the ids the jail already has"
_LITERAL_TMP = (
    "the gvisor profile cannot mount: its jails share the rootfs's /tmp, which none may write "
    "or list; each has a private folder as cwd, HOME and TMPDIR"
)

_REFUSED = "exception PermissionError"

#: Deliberate differences, by corpus script or by example ("<module> <test name>:<index>").
#: Each must still differ where it is listed, and end as listed: a stale entry fails its test.
DELIBERATE: dict[str, Deliberate] = {
    "network_loopback_server": Deliberate(_NETWORK, _INSIDE_OUT, _REFUSED),
    "network_unix_socket": Deliberate(_NO_UNIX_SOCKETS, _INSIDE_OUT, _REFUSED, ("gvisor",)),
    # multiprocessing's Manager listens on an AF_UNIX socket: the Manager's server process
    # fails to, and its parent reads the end of its pipe.
    "multiprocessing_manager": Deliberate(
        _NO_UNIX_SOCKETS, _INSIDE_OUT, "exception EOFError", ("gvisor",)
    ),
    "multiprocessing_pool_forkserver": Deliberate(
        _FORK_ONLY, _INSIDE_OUT, "exception ValueError", ("gvisor",)
    ),
    "multiprocessing_pool_spawn": Deliberate(
        _FORK_ONLY, _INSIDE_OUT, "exception ValueError", ("gvisor",)
    ),
    "multiprocessing_spawn_semaphore": Deliberate(
        _FORK_ONLY, _INSIDE_OUT, "exception ValueError", ("gvisor",)
    ),
    "socketpair_send_fds": Deliberate(
        "the gvisor profile refuses sendmsg: a socket passed over a socket and closed holds "
        "its buffers outside every bound there",
        _INSIDE_OUT,
        _REFUSED,
        ("gvisor",),
    ),
    "privilege_chown_self": Deliberate(_PRIVILEGE, _INSIDE_OUT, _REFUSED),
    "privilege_setuid_self": Deliberate(_PRIVILEGE, _INSIDE_OUT, _REFUSED),
    "os_new_file_modes": Deliberate(
        "the jail's umask is 077: what a script makes is its own (the gvisor profile's jails "
        "share /dev/shm)",
        _INSIDE_OUT,
        "ok",
    ),
    **{
        name: Deliberate(_LITERAL_TMP, _INSIDE_OUT, _REFUSED, ("gvisor",))
        for name in (
            "literal_tmp_path",
            "literal_tmp_folder",
            "literal_tmp_listing",
            "pandas_read_csv_literal_tmp",
        )
    },
    # numpy.save's examples write a literal /tmp/123.npy; those after it read it back.
    **{
        f"numpy {example}": Deliberate(_LITERAL_TMP, _INSIDE_OUT, "", ("gvisor",))
        for example in [
            *(f"numpy.load:{i}" for i in (1, 2, *range(5, 12))),
            *(f"numpy.savez_compressed:{i}" for i in range(3, 7)),
        ]
    },
}

#: Examples left out of the comparison, with why: those whose outcome changes between two
#: runs on the SAME side (what they print depends on the run, not on the jail). None so far:
#: every batch ran four times on each side on the host and three times under gVisor without
#: one example changing its outcome (an example that prints unseeded random numbers, a time
#: or an address fails every time, on both sides). One that is found to flap goes here as
#: "<module> <test name>:<index>".
UNSTEADY_EXAMPLES: dict[str, str] = {}


# One run of one side ---------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """How one run of a script ended, on one side, as it is compared."""

    kind: str
    detail: dict[str, Any]
    """The result (ok), the exception's type and message, the signal, the exit code."""
    stdout: str
    stderr: str

    @classmethod
    def of(cls, kind: str, result: Any, error: dict[str, Any], stdout: str, stderr: str) -> Seen:
        wanted = {"ok": (), "exception": ("type", "message"), "killed": ("signal", "syscall"),
                  "exited": ("exit_code",), "timeout": ("limit",)}.get(kind, ())  # fmt: skip
        detail = {"result": result} if kind == "ok" else {k: error.get(k) for k in wanted}
        return cls(kind, detail, stdout, stderr)

    @property
    def ending(self) -> str:
        """The kind, with the exception's type or the signal: "exception PermissionError"."""
        return " ".join([self.kind, *[str(self.detail[k]) for k in ("type", "signal")
                                      if self.detail.get(k)]])  # fmt: skip

    @property
    def compared(self) -> tuple[str, str, str, str]:
        return (self.kind, json.dumps(self.detail, sort_keys=True), self.stdout, self.stderr)

    def describe(self, limit: int = 1500) -> str:
        text = f"{self.kind} {_clip(json.dumps(self.detail, ensure_ascii=False), limit)}"
        for name in ("stdout", "stderr"):
            shown = "\n".join(ln for ln in getattr(self, name).splitlines()
                              if not ln.startswith(runner.PROGRESS))  # fmt: skip
            if shown:
                text += f"\n      {name}: {_clip(shown, limit)!r}"
        return text


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit // 2]} ... {text[-limit // 2 :]}"


Side = Callable[[str, dict[str, Any], dict[str, float]], Seen]


class Sides:
    """The two ways of running a script, each with its own workers."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.profile = sandbox.profile.value if sandbox.profile else "?"
        self.environment = outside.jail_environment(sandbox.profile.config)  # type: ignore[union-attr]
        # The jail's side can run no more at once than the sandbox has slots. The reference's
        # runs spend most of their time starting processes, which under gVisor is more
        # waiting than computing: one more than the slots keeps both sides about as fast.
        slots = sandbox.settings.slots
        self.pools = {"inside": ThreadPoolExecutor(slots, "inside"),
                      "outside": ThreadPoolExecutor(slots + 1, "outside")}  # fmt: skip

    def inside(self, script: str, args: dict[str, Any], limits: dict[str, float]) -> Seen:
        outcome: Outcome = self.sandbox.run(script, args, self._limits(limits))
        return Seen.of(outcome.kind.value, outcome.result, outcome.error, outcome.stdout,
                       outcome.stderr)  # fmt: skip

    def outside(self, script: str, args: dict[str, Any], limits: dict[str, float]) -> Seen:
        resolved = self._limits(limits)
        run = outside.run(
            script, args, rootfs=self.sandbox.settings.rootfs, environment=self.environment,
            timeout_s=resolved.timeout_s, cpu_time_s=resolved.cpu_time_s,
            memory_mib=resolved.memory_mib, max_open_files=resolved.max_open_files,
            max_file_size_mib=resolved.max_file_size_mib, tmp_size_mib=resolved.tmp_size_mib,
            max_output_bytes=resolved.max_output_bytes,
        )  # fmt: skip
        return Seen.of(run.kind, run.result, run.error, run.stdout, run.stderr)

    def _limits(self, limits: dict[str, float]) -> Limits:
        return self.sandbox.settings.limits.resolve(limits)

    def both(self, task: Callable[[Side], Any]) -> tuple[Future, Future]:
        """Run ``task(side)`` for each side, each on its own side's workers."""
        return (self.pools["inside"].submit(task, self.inside),
                self.pools["outside"].submit(task, self.outside))  # fmt: skip

    def close(self) -> None:
        for pool in self.pools.values():
            pool.shutdown(wait=True, cancel_futures=True)


# Scripts -----------------------------------------------------------------------------------


@dataclass
class ScriptVerdict:
    runs: list[tuple[Seen, Seen]] = field(default_factory=list)
    """(inside, outside), once, or twice where the first two differed."""

    @property
    def differs(self) -> bool:
        return all(inside.compared != there.compared for inside, there in self.runs)

    @property
    def flaky(self) -> bool:
        """Whether it differed in its first run, but not in its second."""
        return len(self.runs) == 2 and not self.differs

    @property
    def unsteady(self) -> bool:
        """Whether a side ended differently in its two runs."""
        return len(self.runs) == 2 and any(
            self.runs[0][i].compared != self.runs[1][i].compared for i in (0, 1)
        )

    def report(self) -> str:
        inside, there = self.runs[-1]
        lines = [f"    inside:  {inside.describe()}", f"    outside: {there.describe()}"]
        if self.unsteady:  # Shown, since then the two runs are not the same evidence.
            first_inside, first_outside = self.runs[0]
            lines += [f"    (first run) inside:  {first_inside.describe(300)}",
                      f"    (first run) outside: {first_outside.describe(300)}"]  # fmt: skip
        return "\n".join(lines)


def _run_script(source: str) -> Callable[[Side], Seen]:
    return lambda side: side(source, {}, SCRIPT_LIMITS)


# Docstring examples ------------------------------------------------------------------------


@dataclass
class ModuleRun:
    """What one side saw of one module's examples."""

    examples: int | None = None
    error: str | None = None
    failed: set[str] = field(default_factory=set)
    details: dict[str, str] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)
    """Examples whose run ended the process (killed, a limit, an exit): how it ended."""

    def status(self, example: str) -> str:
        """passed, failed, stopped (killed ...), or not run (after a stop in its test)."""
        if example in self.stopped:
            return f"stopped ({self.stopped[example]})"
        test, _, index = example.rpartition(":")
        for stop in self.stopped:
            stop_test, _, stop_index = stop.rpartition(":")
            if stop_test == test and int(index) > int(stop_index):
                return "not run"
        return "failed" if example in self.failed else "passed"

    def noteworthy(self) -> set[str]:
        return self.failed | set(self.stopped)


def _run_doctests(
    modules: Iterable[str], only: dict[str, list[str]] | None = None, detail: bool = False
) -> Callable[[Side], dict[str, ModuleRun]]:
    """Run the doctest runner over ``modules`` on one side, carrying on after every run that
    ended before its end (a signal, a limit), from the test after the one it stopped in."""

    def task(side: Side) -> dict[str, ModuleRun]:
        source = RUNNER.read_text()
        pending = list(modules)
        runs: dict[str, ModuleRun] = {}
        resume = None
        for _ in range(MAX_RESTARTS):
            seen = side(source, {"modules": pending, "resume": resume, "only": only,
                                 "detail": detail}, DOCTEST_LIMITS)  # fmt: skip
            _read_lines(seen.stdout, runs)
            if seen.kind == "ok":  # Its result is the word on what it ran; the lines agree.
                for module, found in seen.detail["result"].items():
                    run = runs.setdefault(module, ModuleRun())
                    run.examples, run.error = found["examples"], found["error"]
                    run.failed.update(found["failed"])
                    run.details.update(found.get("details", {}))
                return runs
            at = _last_progress(seen.stderr)
            if at is None:  # Ended before any example: every module it had left is lost.
                for module in pending:
                    runs.setdefault(module, ModuleRun()).error = f"the run {seen.describe(600)}"
                return runs
            module, example = at
            runs.setdefault(module, ModuleRun()).stopped[example] = seen.describe(600)
            pending = pending[pending.index(module) :]
            resume = {"module": module, "test": example.rpartition(":")[0]}
        for module in pending:
            runs.setdefault(module, ModuleRun()).error = f"stopped {MAX_RESTARTS} times"
        return runs

    return task


def _read_lines(stdout: str, runs: dict[str, ModuleRun]) -> None:
    for line in stdout.splitlines():
        tag, _, payload = line.partition(" ")
        if tag == runner.MODULE_LINE:
            found = json.loads(payload)
            run = runs.setdefault(found["module"], ModuleRun())
            run.examples, run.error = found["examples"], found["error"]
        elif tag == runner.TEST_LINE:
            found = json.loads(payload)
            run = runs.setdefault(found["module"], ModuleRun())
            run.failed.update(found["failed"])
            run.details.update(found["details"])


def _last_progress(stderr: str) -> tuple[str, str] | None:
    marks = re.findall(rf"^{runner.PROGRESS} (\S+) (\S+)$", stderr, re.M)
    return marks[-1] if marks else None


@dataclass
class ModuleVerdict:
    examples: tuple[int | None, int | None] = (None, None)
    errors: tuple[str | None, str | None] = (None, None)
    differences: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Examples that differed twice: (inside, outside), with what each printed or raised."""
    flaky: list[str] = field(default_factory=list)
    """Examples that differed once, but not when run again."""
    deliberate: list[str] = field(default_factory=list)
    not_compared: int = 0

    @property
    def differs(self) -> bool:
        return (
            bool(self.differences)
            or self.examples[0] != self.examples[1]
            or (self.errors[0] != self.errors[1])
        )

    def report(self) -> str:
        lines = []
        if self.examples[0] != self.examples[1]:
            lines.append(f"    examples: {self.examples[0]} inside, {self.examples[1]} outside")
        if self.errors[0] != self.errors[1]:
            lines.append(f"    module: inside {self.errors[0]}; outside {self.errors[1]}")
        for example, (inside, there) in sorted(self.differences.items(), key=_example_order):
            lines += [f"    {example}", f"      inside:  {inside}", f"      outside: {there}"]
        return "\n".join(lines)


def _differing(module: str, inside: ModuleRun, there: ModuleRun) -> set[str]:
    """Examples of ``module`` whose status differs between the sides."""
    found = set()
    for example in inside.noteworthy() | there.noteworthy():
        if f"{module} {example}" in UNSTEADY_EXAMPLES:
            continue
        statuses = {inside.status(example), there.status(example)}
        if len(statuses) == 2 and "not run" not in statuses:
            found.add(example)
    return found


def _example_order(item: tuple[str, Any]) -> tuple[str, int]:
    test, _, index = item[0].rpartition(":")
    return test, int(index)


def _evidence(run: ModuleRun, example: str) -> str:
    status = run.status(example)
    return f"{status}: {run.details[example]!r}" if example in run.details else status


# The whole comparison ----------------------------------------------------------------------


class Comparison:
    """Every script and every batch of examples, on both sides, with second runs."""

    def __init__(self, sandbox: Sandbox, scripts: Iterable[str], modules: Iterable[str]) -> None:
        self.sides = Sides(sandbox)
        self.profile = self.sides.profile
        self.wanted = (set(scripts), set(modules))
        self.scripts: dict[str, ScriptVerdict] = {}
        self.modules: dict[str, ModuleVerdict] = {}

    def run(self) -> None:
        scripts_wanted, modules_wanted = self.wanted
        try:
            # The longest first: the batches of examples, then the scripts, then second runs.
            chosen = [[m for m in batch if m in modules_wanted] for batch in runner.BATCHES]
            batches = [self.sides.both(_run_doctests(batch)) for batch in chosen if batch]
            scripts = {name: self.sides.both(_run_script(path.read_text()))
                       for name, path in CORPUS.items() if name in scripts_wanted}  # fmt: skip
            first = {name: (a.result(), b.result()) for name, (a, b) in scripts.items()}
            again = {name: self.sides.both(_run_script(CORPUS[name].read_text()))
                     for name, (a, b) in first.items() if a.compared != b.compared}  # fmt: skip
            inside_runs: dict[str, ModuleRun] = {}
            outside_runs: dict[str, ModuleRun] = {}
            for inside_batch, outside_batch in batches:
                inside_runs |= inside_batch.result()
                outside_runs |= outside_batch.result()
            second_look = self._second_look(inside_runs, outside_runs)
            for name, pair in first.items():
                verdict = self.scripts[name] = ScriptVerdict([pair])
                if name in again:
                    verdict.runs.append((again[name][0].result(), again[name][1].result()))
            self._judge_modules(inside_runs, outside_runs, second_look)
        finally:
            self.sides.close()

    def _second_look(
        self, inside: dict[str, ModuleRun], there: dict[str, ModuleRun]
    ) -> tuple[Future, Future] | None:
        """The tests of every differing example, run again on both sides, with details."""
        only: dict[str, list[str]] = {}
        for module in [m for m in MODULES if m in self.wanted[1]]:
            tests = {e.rpartition(":")[0] for e in _differing(module, _get(inside, module),
                                                             _get(there, module))}  # fmt: skip
            if tests:
                only[module] = sorted(tests)
        if not only:
            return None
        return self.sides.both(_run_doctests(list(only), only=only, detail=True))

    def _judge_modules(
        self, inside: dict[str, ModuleRun], there: dict[str, ModuleRun],
        second_look: tuple[Future, Future] | None,
    ) -> None:  # fmt: skip
        again_inside, again_outside = (
            (second_look[0].result(), second_look[1].result()) if second_look else ({}, {})
        )
        for module in [m for m in MODULES if m in self.wanted[1]]:
            first_in, first_out = _get(inside, module), _get(there, module)
            verdict = self.modules[module] = ModuleVerdict(
                examples=(first_in.examples, first_out.examples),
                errors=(first_in.error, first_out.error),
            )
            verdict.not_compared = sum(
                "not run" in {first_in.status(e), first_out.status(e)}
                for e in first_in.noteworthy() | first_out.noteworthy()
            )
            # A second run that has no word on the example (no result, or not run after a stop
            # earlier in its test) cannot clear it: the first run's difference stands.
            second = (again_inside.get(module), again_outside.get(module))
            for example in _differing(module, first_in, first_out):
                if _deliberate(f"{module} {example}", self.profile) is not None:
                    verdict.deliberate.append(example)
                    continue
                runs = (first_in, first_out)
                if second[0] is not None and second[1] is not None:
                    statuses = {run.status(example) for run in second}
                    if len(statuses) == 1:
                        verdict.flaky.append(example)
                        continue
                    if "not run" not in statuses:
                        runs = (second[0], second[1])
                verdict.differences[example] = (_evidence(runs[0], example),
                                                _evidence(runs[1], example))  # fmt: skip

    def summary(self) -> list[str]:
        scripts_differing = [n for n, v in self.scripts.items() if v.differs]
        examples = sum(v.examples[1] or 0 for v in self.modules.values())
        differing_examples = sum(len(v.differences) for v in self.modules.values())
        flaky = [n for n, v in self.scripts.items() if v.flaky] + [
            f"{m} {e}" for m, v in self.modules.items() for e in v.flaky
        ]
        deliberate_scripts = sum(
            _deliberate(n, self.profile) is not None for n in scripts_differing
        )
        deliberate_examples = sum(len(v.deliberate) for v in self.modules.values())
        lines = [
            f"compatibility ({self.profile} profile): {len(self.modules)} modules, "
            f"{examples} examples, {len(self.scripts)} scripts; deliberate differences "
            f"(SECURITY.md): {deliberate_scripts} scripts, {deliberate_examples} examples; "
            f"other differences: {len(scripts_differing) - deliberate_scripts} scripts, "
            f"{differing_examples} examples",
        ]
        not_compared = sum(v.not_compared for v in self.modules.values())
        if not_compared:
            lines.append(f"compatibility: {not_compared} examples not compared (not run after "
                         "an earlier example of their test ended its process)")  # fmt: skip
        if flaky:
            lines.append(f"compatibility: differed once, not twice: {', '.join(flaky)}")
        return lines


def _get(runs: dict[str, ModuleRun], module: str) -> ModuleRun:
    return runs.get(module) or ModuleRun(error="no result for this module")


class _Summary:
    """A plugin that prints the comparison's counts at the end of the run."""

    def __init__(self, comparison: Comparison) -> None:
        self.comparison = comparison

    def pytest_terminal_summary(self, terminalreporter) -> None:
        for line in self.comparison.summary():
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def comparison(sandbox: Sandbox, request: pytest.FixtureRequest) -> Comparison:
    """Every script and module the session selected (all, unless ``-k`` chose some)."""
    chosen: dict[str, set[str]] = {"name": set(), "module": set()}
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        for key, values in chosen.items():
            if key in params and item.module is request.module:
                values.add(params[key])
    found = Comparison(sandbox, chosen["name"], chosen["module"])
    found.run()
    request.config.pluginmanager.register(_Summary(found), "compat-summary")
    return found


# The tests ---------------------------------------------------------------------------------


def _deliberate(name: str, profile: str) -> Deliberate | None:
    entry = DELIBERATE.get(name)
    return entry if entry is not None and profile in entry.profiles else None


@pytest.mark.parametrize("name", list(CORPUS))
def test_an_ordinary_script_behaves_as_outside(comparison: Comparison, name: str) -> None:
    verdict = comparison.scripts[name]
    deliberate = _deliberate(name, comparison.profile)
    if deliberate is not None:
        assert verdict.differs, f"{name} no longer differs: remove it from DELIBERATE"
        ending = verdict.runs[-1][0].ending
        assert ending == deliberate.inside, f"{name} differs otherwise:\n{verdict.report()}"
        return
    assert not verdict.differs, f"{name} differs from outside:\n{verdict.report()}"


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_behave_as_outside(comparison: Comparison, module: str) -> None:
    verdict = comparison.modules[module]
    assert verdict.examples[1], f"no example of {module} ran outside: {verdict.errors[1]}"
    assert not verdict.differs, f"{module}'s examples differ from outside:\n{verdict.report()}"
    listed = {key.partition(" ")[2] for key in DELIBERATE if key.partition(" ")[0] == module
              and _deliberate(key, comparison.profile)}  # fmt: skip
    stale = listed - set(verdict.deliberate)
    assert not stale, f"{sorted(stale)} no longer differ: remove them from DELIBERATE"


def test_every_deliberate_difference_cites_a_section_of_security_md() -> None:
    sections = set(re.findall(r"^## (.+)$", SECURITY.read_text(), re.M))
    assert {entry.section for entry in DELIBERATE.values()} <= sections


REFERENCE_PROBE = """
import errno, os, socket
def main():
    def attempt(call):
        try:
            call()
            return "done"
        except OSError as exc:
            return errno.errorcode.get(exc.errno, str(exc.errno))
    probe = socket.socket()
    return {
        "ids": [os.getuid(), os.geteuid(), os.getgid(), os.getegid(), os.getgroups()],
        "root_writable": attempt(lambda: os.mkdir("/planted")),
        "tmp": [os.listdir("/tmp"), attempt(lambda: open("/tmp/x", "w").close())],
        "shm": attempt(lambda: open("/dev/shm/x", "w").close()),
        "devices": sorted(os.listdir("/dev")),
        "host_visible": [os.path.exists(p) for p in ("/work", "/proc/1", "/root", "/etc/hostname")],
        "network": attempt(lambda: probe.connect(("192.0.2.1", 80))),
        "cwd": os.getcwd(),
        "environment": dict(os.environ),
    }
"""


def test_the_outside_reference_is_an_unprivileged_offline_chroot_of_the_rootfs(
    sandbox: Sandbox,
) -> None:
    sides = Sides(sandbox)
    try:
        seen = sides.outside(REFERENCE_PROBE, {}, SCRIPT_LIMITS)
    finally:
        sides.close()
    assert seen.kind == "ok", seen.describe()
    found = seen.detail["result"]
    assert found.pop("ids") == [65534, 65534, 65534, 65534, []]
    assert found.pop("root_writable") in ("EROFS", "EACCES")
    assert found.pop("network") in ("ENETUNREACH", "EHOSTUNREACH")
    assert found == {
        "tmp": [[], "done"],
        "shm": "done",
        "devices": ["null", "shm", "urandom", "zero"],
        "host_visible": [False, False, False, False],
        "cwd": "/tmp",
        "environment": sides.environment,
    }


def test_a_batch_stopped_in_an_example_carries_on_after_its_test() -> None:
    """What a killed run of the doctest runner leaves (its lines on stdout, its progress on
    stderr) is read, and the next run resumes after the test it stopped in."""

    def line(tag: str, **fields: Any) -> str:
        return f"{tag} {json.dumps(fields)}\n"

    module_line = line(runner.MODULE_LINE, module="m", examples=4, error=None)
    calls: list[dict[str, Any]] = []

    def side(script: str, args: dict[str, Any], limits: dict[str, float]) -> Seen:
        calls.append(args)
        if len(calls) == 1:
            stdout = module_line + line(runner.TEST_LINE, module="m", test="m.a",
                                        failed=["m.a:0"], details={})  # fmt: skip
            stderr = (f"{runner.PROGRESS} m m.a:0\n{runner.PROGRESS} m m.b:0\n"
                      "pyexec: killed by a forbidden system call: msync (26)\n")  # fmt: skip
            return Seen("killed", {"signal": "SIGSYS", "syscall": "msync"}, stdout, stderr)
        stdout = module_line + line(runner.TEST_LINE, module="m", test="m.c", failed=[],
                                    details={})  # fmt: skip
        return Seen("ok", {"result": {}}, stdout, "")

    runs = _run_doctests(["m", "n"])(side)
    assert [c["modules"] for c in calls] == [["m", "n"], ["m", "n"]]
    assert calls[1]["resume"] == {"module": "m", "test": "m.b"}
    assert runs["m"].status("m.a:0") == "failed"
    assert runs["m"].status("m.b:0").startswith("stopped (killed")
    assert "msync (26)" in runs["m"].status("m.b:0")
    assert runs["m"].status("m.b:1") == "not run"
    assert runs["m"].status("m.c:0") == "passed"
