"""Which system calls a jail makes: run scripts through the real sandbox with NsJail under strace.

    python seccomp/trace.py [SCRIPT.py ...]     # default: the corpus of seccomp/generate.py

Runs in whatever profile this host gets (under ``runsc do``: the gvisor profile) and prints one
JSON document: the profile, and for each system call the corpus script that first made it,
with the values seen for the argument that each argument rule looks at (see ARGUMENTS). Used by
seccomp/generate.py; run by hand to see what a new script needs.

How: ``PYEXEC_NSJAIL`` points at a shim that starts the real NsJail under ``strace -f``, so each
jail, warm or cold, leaves one trace. A jail's calls are those of the process that execve()s
its Python (from that execve on, which is where NsJail's filter starts) and of every process
or thread it starts. The policy in force while tracing (generate.tracing_policy) is the
profile's own, with its refusals, so that programs take the paths they take in production
(glibc falls back from clone3 to clone), but it traps nothing: every call a script makes runs
and is seen, and seccomp/generate.py stops if one of them is a call the policy traps. The
start-up self-test's jail is left out: it makes trapped calls on purpose (and its x32 check
is dropped while tracing, since the tracing policy lets x32 calls through).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "function")]

import generate  # noqa: E402
from sandbox import Profile, Sandbox, Settings, nsjail, runner  # noqa: E402

#: The argument each argument rule of the policy compares, by position (generate.RULES), and
#: clone's flags (generate.CLONE_RULE).
ARGUMENTS = {
    name: params.split(", ").index(argument)
    for name, (params, argument, _) in (generate.RULES | generate.LOCAL_SOCKET_RULE).items()
} | {"clone": 0}
_LINE = re.compile(r"^(\d+)\s+(?:<\.\.\. (\w+) resumed>(.*)|(\w+)\((.*))$")
_SELF_TEST_MARK = "/pyexec-self-test"


def main(argv: list[str]) -> int:
    runs = [(Path(a), {}) for a in argv] or generate.corpus_runs()
    with tempfile.TemporaryDirectory(prefix="pyexec-trace-") as folder:
        traces = Path(folder)
        if os.environ.get("TRACE_KEEP"):
            traces = Path(os.environ["TRACE_KEEP"])
        settings = dataclasses.replace(Settings.from_env(), nsjail=_shim(traces))
        for profile in nsjail.POLICIES:
            nsjail.POLICIES[profile] = _tracing_policy(traces, profile)
        # That policy lets x32 calls through too: the self-test's check of them cannot pass.
        runner.SELF_TEST_EXPECTED.pop("x32")
        sandbox = Sandbox(settings)
        profile = sandbox.start()
        calls: dict[str, dict] = {}
        try:
            for script, args in runs:
                sandbox.warm(wait_s=300)  # so that the script's jail is a warm one, preload and all
                _clear(traces)
                limits = settings.limits.resolve(_limits(settings))
                outcome = sandbox.run(script.read_text(), args, limits)
                warm = "warm" if outcome.warm else "cold"
                name = script.name + (f" {args}" if args else "")
                print(f"{name}: {outcome.kind.value}, {warm}", file=sys.stderr)
                expected = expected_outcome(script, profile)
                if outcome.kind.value != expected:
                    raise SystemExit(
                        f"{name} ended {outcome.kind.value}, not {expected}: {outcome.error}"
                    )
                _record(calls, _jail_calls(traces), script.name)
        finally:
            sandbox.shutdown()
    json.dump(
        {"profile": profile.value, "calls": dict(sorted(calls.items()))}, sys.stdout, indent=1
    )
    return 0


def expected_outcome(script: Path, profile: Profile) -> str:
    """``ok``, or what a ``# outcome: KIND`` line in the script says, or for this profile
    a ``# outcome[PROFILE]: KIND`` line."""
    text = script.read_text()
    match = re.search(rf"^# outcome\[{profile.value}\]: (\w+)", text, re.M) or re.search(
        r"^# outcome: (\w+)", text, re.M
    )
    return match.group(1) if match else "ok"


def _limits(settings: Settings) -> dict[str, float]:
    """As much as generate.TRACE_LIMITS asks for, within the maximums set for tracing."""
    maximums = settings.limits.maximums
    return {name: min(value, getattr(maximums, name))
            for name, value in generate.TRACE_LIMITS.items()}  # fmt: skip


def _shim(traces: Path) -> Path:
    real = Settings.from_env().nsjail
    strace = shutil.which("strace")
    if strace is None:
        raise SystemExit("strace is not installed (apt-get install strace)")
    shim = traces / "nsjail"
    shim.write_text(f'#!/bin/sh\nexec {strace} -f -q -o "{traces}/trace.$$" -- {real} "$@"\n')
    shim.chmod(0o755)
    return shim


def _tracing_policy(traces: Path, profile: Profile) -> Path:
    policy = traces / f"tracing-{profile.value}.kafel"
    policy.write_text(generate.tracing_policy(profile.value))
    return policy


def _clear(traces: Path) -> None:
    """Forget the traces of jails that have ended (warm jails still waiting keep theirs)."""
    for trace in traces.glob("trace.*"):
        if _ended(trace):
            trace.unlink()


def _ended(trace: Path) -> bool:
    """strace's last line is NsJail's end, which comes after every process of its jail's."""
    lines = trace.read_text(errors="replace").splitlines()
    last = lines[-1] if lines else ""
    return "+++ exited with" in last or "+++ killed by" in last


def _jail_calls(traces: Path) -> dict[str, set[str]]:
    """The calls made in every ended jail's trace: name -> values of its ruled argument."""
    calls: dict[str, set[str]] = defaultdict(set)
    deadline = time.monotonic() + 10
    while not (ended := [t for t in traces.glob("trace.*") if _ended(t)]):
        if time.monotonic() > deadline:
            raise SystemExit("no jail's trace ended after the script ran")
        time.sleep(0.1)
    for trace in ended:
        text = trace.read_text(errors="replace")
        if _SELF_TEST_MARK in text:
            continue
        for name, args in _calls_in(text.splitlines()):
            calls[name]
            if name in ARGUMENTS:
                calls[name].add(_argument(name, args))
    return calls


def _calls_in(lines: list[str]):
    """(name, arguments) of each call made by the jail's processes in one NsJail's trace.

    The first process is NsJail itself; the jail is the process that execve()s a program other
    than NsJail, from that call on, and every other process in the trace (its threads and
    children: their ids as clone() returns them are the pid namespace's, so they are not
    matched to a parent).
    """
    nsjail_pid, jail_pid, in_jail = None, None, False
    for line in lines:
        match = _LINE.match(line)
        if not match or match.group(2):  # not a call, or the end of one already counted
            continue
        pid, _, _, name, args = match.groups()
        if nsjail_pid is None:
            nsjail_pid = pid
        if pid == nsjail_pid:
            continue
        if jail_pid is None:
            jail_pid = pid
        if pid == jail_pid and not in_jail:
            in_jail = name in ("execve", "execveat") and "nsjail" not in args.split(",", 1)[0]
            if not in_jail:
                continue
        yield name, args


def _argument(name: str, args: str) -> str:
    """The value of the argument ARGUMENTS names, as strace shows it."""
    if name == "clone" and (flags := re.search(r"flags=([^,]+)", args)):
        return flags.group(1).removesuffix(" <unfinished ...>")  # clone(child_stack=..., ...)
    position = ARGUMENTS[name]
    args = re.split(r"\)\s+=| <unfinished", args)[0]
    parts = [part.strip() for part in args.split(",")]
    return parts[position] if position < len(parts) else ""


def _record(calls: dict[str, dict], seen: dict[str, set[str]], script: str) -> None:
    for name, values in seen.items():
        entry = calls.setdefault(name, {"first": script, "values": []})
        entry["values"] = sorted(set(entry["values"]) | values)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
