"""A call the seccomp policy refuses kills the script, and the outcome names the call.

The policy traps such a call (SECCOMP_RET_TRAP); the rootfs's preload (sandbox-image/sigsys.c)
writes the call's name to stderr and lets the process die of SIGSYS; the runner reads the name
back into the `killed` error's message and its `syscall` field. Run in this host's profile and
again under `make test-gvisor`.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import functions_framework
import pytest
from helpers import strict_json
from sandbox import Kind

REPO = Path(__file__).resolve().parent.parent
LINE = "pyexec: killed by a forbidden system call: "

# call(number, *args): the raw system call, every argument a full 64-bit register.
CALL = """
import ctypes
def call(number, *args):
    return ctypes.CDLL(None).syscall(ctypes.c_long(number), *(ctypes.c_long(a) for a in args))
"""


def script(body: str) -> str:
    return CALL + textwrap.dedent(body)


@pytest.mark.parametrize(
    "number, args, name",
    [
        pytest.param(246, [0, 0, 0, 0], "kexec_load", id="kexec_load"),
        pytest.param(248, [0, 0, 0, 0, 0], "add_key", id="add_key"),
        # Refused by an argument rule, not by the call's absence: still named.
        pytest.param(56, [0x10000000 | 17, 0, 0, 0, 0], "clone", id="clone NEWUSER"),
        pytest.param(16, [0, 0x5412, 0], "ioctl", id="ioctl TIOCSTI"),
    ],
)
def test_a_forbidden_call_kills_the_script_and_is_named(run, number, args, name):
    body = "def main(number, args):\n    call(number, *args)\n    return 'went on'\n"
    outcome = run(script(body), {"number": number, "args": args})
    assert outcome.kind is Kind.KILLED, outcome
    assert outcome.error["signal"] == "SIGSYS"
    assert outcome.error["syscall"] == name
    message = outcome.error["message"]
    assert f"it made the system call {name}, which the sandbox does not allow" in message
    assert f"{LINE}{name} ({number})\n" in outcome.stderr
    assert outcome.profile == os.environ.get("PYEXEC_EXPECT_PROFILE", outcome.profile)


def test_the_api_answers_a_forbidden_call_with_its_name():
    client = functions_framework.create_app("execute", str(REPO / "function/main.py")).test_client()
    body = "import ctypes\ndef main():\n    ctypes.CDLL(None).syscall(246)\n"
    response = client.post("/execute", json={"script": body})
    assert response.status_code == 422
    error = strict_json(response.data)["error"]
    assert (error["code"], error["signal"], error["syscall"]) == ("killed", "SIGSYS", "kexec_load")


def test_an_x32_call_is_named_as_x32(run):
    outcome = run(script("def main():\n    call(0x40000000 | 41, 2, 1, 0)\n"))
    assert outcome.kind is Kind.KILLED and outcome.error["signal"] == "SIGSYS", outcome
    assert outcome.error["syscall"] == "x32 socket"
    assert "the x32 system call socket" in outcome.error["message"]


def test_a_call_with_no_name_is_given_by_number(run):
    # 400 is in x86_64's unassigned gap (335-423): no kernel names it.
    outcome = run(script("def main():\n    call(400)\n"))
    assert outcome.kind is Kind.KILLED and outcome.error["signal"] == "SIGSYS", outcome
    assert "syscall" not in outcome.error
    assert "system call number 400" in outcome.error["message"]


def test_a_forked_child_dies_of_its_forbidden_call_alone(run):
    outcome = run(
        script("""
            import os
            def main():
                child = os.fork()
                if child == 0:
                    call(246)
                    os._exit(0)
                _, status = os.waitpid(child, 0)
                return os.WTERMSIG(status) if os.WIFSIGNALED(status) else "exited"
            """)
    )
    assert outcome.kind is Kind.OK, outcome
    assert outcome.result == 31  # SIGSYS
    assert f"{LINE}kexec_load (246)\n" in outcome.stderr


def test_every_program_of_the_jail_names_its_forbidden_call(run):
    # The preload is in the rootfs, not in an environment variable: a subprocess has it too.
    outcome = run(
        script("""
            import subprocess, sys
            def main():
                child = subprocess.run(
                    [sys.executable, "-c", "import ctypes; ctypes.CDLL(None).syscall(246)"],
                    capture_output=True, text=True)
                return child.returncode, child.stderr
            """)
    )
    assert outcome.kind is Kind.OK, outcome
    assert outcome.result == [-31, f"{LINE}kexec_load (246)\n"]


def test_the_last_line_names_the_call(run):
    outcome = run(
        script(f"""
            import os
            def main():
                os.write(2, b"{LINE}reboot (169)\\n")
                call(246)
            """)
    )
    assert outcome.kind is Kind.KILLED and outcome.error["syscall"] == "kexec_load", outcome


@pytest.mark.parametrize(
    "ending, kind",
    [("return 'fine'", Kind.OK), ("raise SystemExit(3)", Kind.EXITED)],
    ids=["returns", "exits"],
)
def test_a_forged_line_without_a_kill_is_not_reported_as_killed(run, ending, kind):
    outcome = run(
        script(f"""
            import os
            def main():
                os.write(2, b"{LINE}kexec_load (246)\\n")
                {ending}
            """)
    )
    assert outcome.kind is kind, outcome
    assert "syscall" not in outcome.error


def test_a_kill_without_the_line_keeps_the_plain_message(run):
    # With stderr closed the preload cannot say which call it was; the death is the same.
    outcome = run(script("import os\ndef main():\n    os.close(2)\n    call(246)\n"))
    assert outcome.kind is Kind.KILLED and outcome.error["signal"] == "SIGSYS", outcome
    assert "syscall" not in outcome.error
    assert outcome.error["message"] == "the script was killed by SIGSYS (a forbidden system call)"
