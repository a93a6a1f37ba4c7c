"""The seccomp policies (function/sandbox/jail/<profile>.kafel), in force in the real jail.

Run in this host's profile and again under `make test-gvisor`. The policies are generated from a
decision for every system call, checked against traces of real code (seccomp/generate.py);
these tests check that each is the generator's, that the corpus traced still runs, that what
is refused gets the errno it should, and that what is trapped ends the process: calls no list
names, other architectures, and every argument rule's values with bits above the 32 the kernel
reads.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from sandbox import Kind, Profile

REPO = Path(__file__).resolve().parent.parent
CORPUS = sorted((REPO / "seccomp" / "corpus").glob("*.py"))
sys.path.insert(0, str(REPO / "seccomp"))

import generate  # noqa: E402

HIGH = 1 << 32


def test_the_policies_are_what_the_generator_writes_from_the_traces():
    assert generate.main(["--check"]) == 0


@pytest.mark.parametrize("profile", generate.PROFILES)
def test_a_call_no_list_names_is_trapped(profile):
    text = generate.POLICIES[profile].read_text()
    assert text.rstrip().endswith("USE pyexec DEFAULT TRAP(0)")


@pytest.mark.parametrize("profile", generate.PROFILES)
def test_every_call_of_the_kernel_is_decided(profile):
    calls = generate._kernel_calls()
    if not calls:
        pytest.skip("no kernel headers on this machine")
    assert sorted(set(calls) - set(generate.decisions(profile))) == []


def _traced(name: str, *values: str) -> dict:
    entry = {name: {"first": "a.py", "values": list(values)}}
    return {"namespaces": entry, "gvisor": entry}


@pytest.mark.parametrize("call", ["statmount", "ptrace", "io_uring_setup", "nonesuch"])
def test_the_generator_stops_at_a_traced_call_the_policy_traps(call):
    with pytest.raises(SystemExit, match=call):
        generate.render(_traced(call), "namespaces")


@pytest.mark.parametrize("call", ["chown", "shmget", "socket"])
def test_a_traced_call_refused_with_an_errno_is_noted(call):
    _, notes = generate.render(_traced(call), "gvisor" if call == "socket" else "namespaces")
    assert any(note.startswith("traced:") and f"'{call}'" in note for note in notes)


def test_a_traced_value_no_rule_allows_is_noted_as_refused():
    _, notes = generate.render(_traced("ioctl", "TCSETS"), "namespaces")
    assert "{'ioctl': ['TCSETS']}" in notes[-1]


def test_the_tracing_policy_is_the_policy_but_traps_nothing():
    for profile in generate.PROFILES:
        traced = generate.tracing_policy(profile)
        assert "TRAP" not in traced and "ERRNO(38)" in traced
        assert traced == generate.POLICIES[profile].read_text().replace("TRAP(0)", "ALLOW")


def test_af_unix_sockets_only_in_the_profile_with_a_network_namespace():
    namespaces, _ = generate.render({}, "namespaces")
    gvisor, _ = generate.render({}, "gvisor")
    assert "socket(domain, type, protocol) {\n      domain == AF_UNIX" in namespaces
    assert "socket(domain" not in gvisor


def _expected(script: Path) -> str:
    match = re.search(r"^# outcome: (\w+)", script.read_text(), re.M)
    return match.group(1) if match else "ok"


@pytest.mark.parametrize("script", CORPUS, ids=[s.stem for s in CORPUS])
def test_the_traced_corpus_runs_under_the_policy(run, script):
    outcome = run(script.read_text(), timeout_s=60, cpu_time_s=60)
    assert outcome.kind.value == _expected(script), outcome


# call(number, *args): the raw system call, every argument a full 64-bit register; its
# result, or minus its errno.
SYSCALL = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(number, *args):
    result = libc.syscall(ctypes.c_long(number), *(ctypes.c_long(a) for a in args))
    return result if result >= 0 else -ctypes.get_errno()
"""
CALL = SYSCALL + "def main(number, args):\n    return call(number, *args)\n"


@pytest.mark.parametrize(
    "number, args",
    [
        pytest.param(457, [0, 0, 0, 0], id="statmount"),
        pytest.param(458, [0, 0, 0, 0], id="listmount"),
        pytest.param(248, [0, 0, 0, 0, 0], id="add_key"),
        pytest.param(246, [0, 0, 0, 0], id="kexec_load"),
        pytest.param(425, [0, 0], id="io_uring_setup"),
        pytest.param(400, [], id="unused 400"),
        pytest.param(0x40000000 | 39, [], id="x32 getpid"),
        pytest.param(56, [HIGH | 0x10000000 | 17, 0, 0, 0, 0], id="clone NEWUSER and a high bit"),
    ],
)
def test_calls_the_policy_traps_kill_the_process(run, number, args):
    outcome = run(CALL, {"number": number, "args": args})
    assert outcome.kind is Kind.KILLED and outcome.error["signal"] == "SIGSYS", outcome


# Refused with an errno: what honest code can meet is an OSError, never a kill.
@pytest.mark.parametrize(
    "number, args, errno",
    [
        pytest.param(92, [0, 0, 0], 1, id="chown EPERM"),
        pytest.param(105, [0], 1, id="setuid EPERM"),
        pytest.param(116, [0, 0], 1, id="setgroups EPERM"),
        pytest.param(90, [0, 0o4755], 1, id="chmod setuid EPERM"),
        pytest.param(90, [0, HIGH | 0o4755], 1, id="chmod setuid and a high bit EPERM"),
        pytest.param(259, [-100, 0, 0o20666, 0x103], 1, id="mknodat a device EPERM"),
        pytest.param(319, [0, 0], 1, id="memfd_create EPERM"),
        pytest.param(29, [0, 4096, 0o1600], 38, id="shmget ENOSYS"),
        pytest.param(240, [0, 0, 0, 0], 38, id="mq_open ENOSYS"),
        pytest.param(294, [0], 38, id="inotify_init1 ENOSYS"),
        pytest.param(206, [1, 0], 38, id="io_setup ENOSYS"),
        pytest.param(435, [0, 0], 38, id="clone3 ENOSYS"),
        pytest.param(41, [2, 1, 0], 13, id="socket AF_INET EACCES"),
    ],
)
def test_calls_the_policy_refuses_fail_with_their_errno(run, number, args, errno):
    outcome = run(CALL, {"number": number, "args": args})
    assert outcome.kind is Kind.OK and outcome.result == -errno, outcome


def test_an_i386_system_call_is_refused(run, sandbox):
    outcome = run(
        "import ctypes, mmap\n"
        "def main():\n"
        "    code = mmap.mmap(-1, mmap.PAGESIZE,\n"
        "                     prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
        "    code.write(bytes.fromhex('b814000000cd80c3'))  # mov eax, 20 (getpid); int 0x80\n"
        "    address = ctypes.addressof(ctypes.c_char.from_buffer(code))\n"
        "    return ctypes.CFUNCTYPE(ctypes.c_int)(address)()\n"
    )
    if sandbox.profile is Profile.GVISOR and outcome.kind is Kind.OK:
        # gVisor has no i386 system call table: the call fails before any filter sees it.
        assert outcome.result < 0
        return
    # Kafel's architecture check kills the thread (SIGSYS); a kernel without i386 emulation
    # faults instead. Either way getpid never ran.
    assert outcome.kind is Kind.KILLED and outcome.error["signal"] in ("SIGSYS", "SIGSEGV")


# Each argument rule, with an allowed value and then the same value with a bit above the 32
# the kernel reads: allowed, then refused with the rule's errno (ENOTTY 25, EPERM 1, EACCES 13).
# And calls the old denylist ruled on (prctl, F_SETPIPE_SZ): refused in either form.
RULED = (
    SYSCALL
    + """
def main():
    read, write = os.pipe()
    pair = (ctypes.c_int * 2)()
    out = {}
    for name, value in [("FIONBIO", 0x5421), ("FIOCLEX", 0x5451)]:
        flag = ctypes.c_int(1)
        out["ioctl " + name] = [call(16, write, v, ctypes.addressof(flag))
                                for v in (value, (1 << 32) | value)]
    for name, value in [("F_GETFD", 1), ("F_GETFL", 3), ("F_DUPFD_CLOEXEC", 1030)]:
        out["fcntl " + name] = [min(call(72, write, v, 10), 0) for v in (value, (1 << 32) | value)]
    out["socketpair AF_UNIX"] = [call(53, d, 1, 0, ctypes.addressof(pair))
                                 for d in (1, (1 << 32) | 1)]
    out["socketpair SOCK_DGRAM"] = [call(53, 1, t, 0, ctypes.addressof(pair))
                                    for t in (2, (1 << 32) | 2)]
    out["prctl PR_SET_PDEATHSIG"] = [call(157, v, 0, 0, 0, 0) for v in (1, (1 << 32) | 1)]
    out["fcntl F_SETPIPE_SZ"] = [call(72, write, v, 1 << 20) for v in (1031, (1 << 32) | 1031)]
    out["flock LOCK_EX"] = [call(73, read, 2)]
    open("f", "w").close()
    path = ctypes.create_string_buffer(b"f")
    out["chmod 0o750"] = [call(90, ctypes.addressof(path), m) for m in (0o750, (1 << 32) | 0o750)]
    return out
"""
)


def test_every_argument_rule_refuses_its_values_with_high_bits(run):
    outcome = run(RULED)
    assert outcome.kind is Kind.OK, outcome
    assert outcome.result == {
        "ioctl FIONBIO": [0, -25],
        "ioctl FIOCLEX": [0, -25],
        "fcntl F_GETFD": [0, -1],
        "fcntl F_GETFL": [0, -1],
        "fcntl F_DUPFD_CLOEXEC": [0, -1],
        "socketpair AF_UNIX": [0, -13],
        "socketpair SOCK_DGRAM": [-13, -13],
        "prctl PR_SET_PDEATHSIG": [-1, -1],
        "fcntl F_SETPIPE_SZ": [-1, -1],
        "flock LOCK_EX": [0],
        "chmod 0o750": [0, 0],
    }


@pytest.mark.parametrize(
    "request_value",
    [0x5412, HIGH | 0x5412, 0x541C, HIGH | 0x541C],
    ids=["TIOCSTI", "TIOCSTI high bit", "TIOCLINUX", "TIOCLINUX high bit"],
)
def test_terminal_injection_kills_in_any_form(run, request_value):
    outcome = run(CALL, {"number": 16, "args": [0, request_value, 0]})
    assert outcome.kind is Kind.KILLED and outcome.error["signal"] == "SIGSYS", outcome


def test_an_ioctl_request_no_rule_allows_gets_enotty(run):
    # TIOCSPGRP, which a pipe would answer with ENOTTY too; FIONREAD is allowed (0 bytes).
    outcome = run(
        "import ctypes, os\n"
        "def main():\n"
        "    read, _ = os.pipe()\n"
        "    count = ctypes.c_int(0)\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    refused = libc.ioctl(read, 0x5410, ctypes.byref(count)), ctypes.get_errno()\n"
        "    return refused, libc.ioctl(read, 0x541B, ctypes.byref(count))\n"
    )
    assert outcome.kind is Kind.OK and outcome.result == [[-1, 25], 0]


def test_the_documents_give_each_policy_s_number_of_calls():
    counts = {
        profile: re.search(r"policy: (\d+) calls allowed", path.read_text()).group(1)
        for profile, path in generate.POLICIES.items()
    }
    text = (
        f"{counts['namespaces']} system calls in the namespaces profile and "
        f"{counts['gvisor']} in the gvisor profile"
    )
    for document in ("README.md", "SECURITY.md"):
        assert text in " ".join((REPO / document).read_text().split()), document
