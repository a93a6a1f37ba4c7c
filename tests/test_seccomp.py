"""The seccomp allowlist (function/sandbox/jail/policy.kafel), in force in the real jail.

Run in this host's profile and again under `make test-gvisor`. The policy is generated from
traces (seccomp/generate.py); these tests check that it is the generator's, that the corpus it
was traced from still runs, and that what it does not allow is refused: calls it never lists,
other architectures, and every argument rule's values with bits above the 32 the kernel reads.
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


def test_the_policy_is_what_the_generator_writes_from_the_traces():
    assert generate.main(["--check"]) == 0


def test_the_policy_kills_what_it_does_not_list():
    assert generate.POLICY.read_text().rstrip().endswith("USE pyexec DEFAULT KILL_PROCESS")


def _traced(name: str, *values: str) -> dict:
    return {"namespaces": {name: {"first": "a.py", "values": list(values)}}}


def test_the_generator_stops_at_a_traced_call_no_group_names():
    with pytest.raises(SystemExit, match="statmount"):
        generate.render(_traced("statmount"))


def test_the_generator_allows_only_the_traced_values_of_a_ruled_argument():
    policy, _ = generate.render(_traced("ioctl", "TCGETS"))
    assert "request == TCGETS\n" in policy and "FIONBIO" not in policy
    with pytest.raises(SystemExit, match="TCSETS"):
        generate.render(_traced("ioctl", "TCSETS"))


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
        pytest.param(400, [], id="unused 400"),
        pytest.param(0x40000000 | 39, [], id="x32 getpid"),
        pytest.param(56, [HIGH | 0x10000000 | 17, 0, 0, 0, 0], id="clone NEWUSER and a high bit"),
    ],
)
def test_calls_the_policy_does_not_allow_kill_the_process(run, number, args):
    outcome = run(CALL, {"number": number, "args": args})
    assert outcome.kind is Kind.KILLED and outcome.error["signal"] == "SIGSYS", outcome


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
        "flock LOCK_EX": [-1],
    }


@pytest.mark.parametrize(
    "request_value",
    [0x5412, HIGH | 0x5412, 0x541C, HIGH | 0x541C],
    ids=["TIOCSTI", "TIOCSTI high bit", "TIOCLINUX", "TIOCLINUX high bit"],
)
def test_terminal_injection_kills_in_any_form(run, request_value):
    outcome = run(CALL, {"number": 16, "args": [0, request_value, 0]})
    assert outcome.kind is Kind.KILLED and outcome.error["signal"] == "SIGSYS", outcome


def test_an_untraced_ioctl_request_gets_enotty(run):
    # FIONREAD, which a pipe answers (with 0) where the policy lets it through.
    outcome = run(
        "import ctypes, os\n"
        "def main():\n"
        "    read, _ = os.pipe()\n"
        "    count = ctypes.c_int(0)\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    return libc.ioctl(read, 0x541B, ctypes.byref(count)), ctypes.get_errno()\n"
    )
    assert outcome.kind is Kind.OK and outcome.result == [-1, 25]


def test_the_documents_give_the_policy_s_number_of_calls():
    count = re.search(r"/\* (\d+) calls allowed\. \*/", generate.POLICY.read_text()).group(1)
    for document in ("README.md", "SECURITY.md"):
        assert f"allowlist of {count} system calls" in (REPO / document).read_text(), document
