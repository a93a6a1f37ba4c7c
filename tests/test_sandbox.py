"""Behaviour of the real sandbox, in whichever profile this host runs.

`make test` runs this file twice: on the host kernel (namespaces profile) and inside gVisor
with `runsc --network=none do` (gvisor profile).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import sandbox as sandbox_package
from helpers import leftovers
from sandbox import Kind, Profile, nsjail
from sandbox.profiles import running_on_gvisor


def script(source: str) -> str:
    return textwrap.dedent(source).strip() + "\n"


def test_auto_chooses_the_profile_of_this_host(sandbox):
    expected = os.environ.get("PYEXEC_EXPECT_PROFILE")
    if expected:
        assert sandbox.profile is Profile(expected)
    assert sandbox.profile is (Profile.GVISOR if running_on_gvisor() else Profile.NAMESPACES)


# The seed's three examples ------------------------------------------------------------------


def test_hello_returns_result_and_stdout(run):
    outcome = run('def main():\n    print("Hello from IDE")\n    return {"status": "ok"}')
    assert outcome.kind is Kind.OK
    assert outcome.result == {"status": "ok"}
    assert outcome.stdout == "Hello from IDE\n"
    assert outcome.stderr == ""


def test_numpy_mean(run):
    outcome = run(
        "def main():\n    import numpy as np\n    arr = np.array([1, 2, 3, 4, 5])\n"
        '    return {"mean": float(np.mean(arr))}'
    )
    assert outcome.kind is Kind.OK
    assert outcome.result == {"mean": 3.0}


def test_mkdir_outside_tmp_fails(run):
    outcome = run(
        'def main():\n    import os\n    os.mkdir("/should_fail")\n    return {"status": "created"}'
    )
    assert outcome.kind is Kind.EXCEPTION
    assert outcome.error["type"] in ("OSError", "PermissionError")
    assert "/should_fail" in outcome.error["message"]


# Every kind of outcome --------------------------------------------------------------------------


def test_args_are_passed_as_keyword_arguments(run):
    outcome = run("def main(a, b=2):\n    return a * b", {"a": 21})
    assert outcome.result == 42


def test_syntax_error_reports_line_and_offset(run):
    outcome = run("x = 1\ndef main(:\n    pass\n")
    assert outcome.kind is Kind.SYNTAX_ERROR
    assert outcome.error["line"] == 2
    assert outcome.error["offset"] == 10
    assert outcome.error["text"] == "def main(:"


def test_nul_byte_in_script_is_a_syntax_error(run):
    outcome = run("def main():\n    return 1 \0\n")
    assert outcome.kind is Kind.SYNTAX_ERROR
    assert outcome.error["line"] == 2


@pytest.mark.parametrize("source", ["x = 1\n", "main = 42\n", ""])
def test_missing_main(run, source):
    assert run(source).kind is Kind.MISSING_MAIN


def test_exception_traceback_has_only_the_scripts_frames(run):
    outcome = run(
        script(
            """
            import json

            def helper(x):
                return json.loads(x)

            def main():
                return helper("{not json")
            """
        )
    )
    assert outcome.kind is Kind.EXCEPTION
    assert outcome.error["type"] == "json.decoder.JSONDecodeError"
    trace = outcome.error["traceback"]
    assert 'File "<script>", line 7, in main' in trace
    assert 'File "<script>", line 4, in helper' in trace
    assert "return json.loads(x)" in trace
    # No wrapper frame, no library path, no host path.
    assert "wrapper" not in trace and "/usr/lib" not in trace
    assert str(Path(sandbox_package.__file__).parent) not in trace


def test_exception_at_import_time_is_reported(run):
    outcome = run("raise ValueError('early')\ndef main():\n    return 1\n")
    assert outcome.kind is Kind.EXCEPTION
    assert outcome.error["message"] == "early"


def test_unconvertible_result_names_the_path(run):
    outcome = run('def main():\n    return {"rows": [1, 2, 3, {4}]}')
    assert outcome.kind is Kind.INVALID_RESULT
    assert outcome.error["path"] == 'result["rows"][3]'
    assert "set" in outcome.error["message"]


def test_result_over_the_output_cap_is_invalid(run):
    outcome = run('def main():\n    return "x" * 5000', max_output_bytes=1024)
    assert outcome.kind is Kind.INVALID_RESULT
    assert "over the limit of 1024 bytes" in outcome.error["message"]


def test_wall_time_limit_stops_a_sleeping_script(run):
    outcome = run("import time\ndef main():\n    time.sleep(30)", timeout_s=1.0)
    assert outcome.kind is Kind.TIMEOUT
    assert outcome.error["limit"] == "wall"
    assert outcome.duration_ms < 5000


def test_infinite_loop_is_stopped_at_the_cpu_limit(run):
    outcome = run("def main():\n    while True:\n        pass", timeout_s=10.0, cpu_time_s=1)
    assert outcome.kind is Kind.TIMEOUT
    assert outcome.error["limit"] == "cpu"


def test_memory_bomb_hits_the_memory_limit(run):
    outcome = run(
        "def main():\n    chunks = []\n    while True:\n        chunks.append(bytearray(2**24))",
        memory_mib=256,
    )
    assert outcome.kind is Kind.MEMORY_LIMIT
    assert outcome.error["memory_mib"] == 256


def test_peak_memory_is_the_jails_own_whatever_the_server_holds(run, sandbox):
    hoard = b"x" * (512 << 20)  # The server process (here, pytest) holds 512 MiB at fork.
    outcome = run("def main():\n    return 1")
    del hoard
    if sandbox.cgroups is None:  # No cgroup of its own: the peak is unknown, and says so.
        assert outcome.peak_memory_kib is None
    else:
        assert 0 < outcome.peak_memory_kib < 128 * 1024


def test_a_jail_over_its_memory_in_several_processes_is_a_memory_limit(run, sandbox):
    """Each process stays under its own RLIMIT_AS; together they pass the jail's memory."""
    if sandbox.cgroups is None:
        pytest.skip("without cgroups, memory is bounded per process only (SECURITY.md)")
    script = (
        "import os, time\ndef main():\n"
        "    for _ in range(3):\n"
        "        if os.fork() == 0:\n"
        "            hold = b'x' * (60 << 20)\n"
        "            time.sleep(30)\n"
        "    hold = b'x' * (150 << 20)\n"  # the largest, so the OOM killer picks main
        "    time.sleep(30)"
    )
    outcome = run(script, memory_mib=256, tmp_size_mib=1, timeout_s=20)
    assert outcome.kind is Kind.MEMORY_LIMIT, outcome
    assert outcome.peak_memory_kib >= 250 * 1024


@pytest.mark.parametrize(
    ("source", "exit_code"),
    [
        ("import sys\ndef main():\n    sys.exit(3)", 3),
        ("import os\ndef main():\n    os._exit(4)", 4),
        ("import sys\nsys.exit(0)\ndef main():\n    return 1", 0),
    ],
)
def test_exiting_before_main_returns(run, source, exit_code):
    outcome = run(source)
    assert outcome.kind is Kind.EXITED
    assert outcome.error["exit_code"] == exit_code


def test_an_async_main_is_run_to_its_end(run):
    outcome = run(
        "import asyncio\nasync def main(n):\n    await asyncio.sleep(0.01)\n"
        "    return [n, asyncio.get_running_loop().is_running()]",
        {"n": 3},
    )
    assert outcome.kind is Kind.OK and outcome.result == [3, True], outcome
    assert outcome.stderr == ""  # no "coroutine was never awaited" warning


def test_an_async_main_that_raises_is_an_exception_with_the_scripts_frames(run):
    outcome = run("async def main():\n    raise ValueError('late')")
    assert outcome.kind is Kind.EXCEPTION and outcome.error["message"] == "late"
    assert 'File "<script>", line 2, in main' in outcome.error["traceback"]
    assert "asyncio" not in outcome.error["traceback"]


def test_a_dict_key_json_has_no_name_for_is_named_by_its_type(run):
    outcome = run("def main():\n    return {'ok': {(1, 2): 3}}")
    assert outcome.kind is Kind.INVALID_RESULT
    assert outcome.error == {
        "message": "a dict key of type tuple cannot be a JSON key; use a str, int, float, bool "
        "or None",
        "path": 'result["ok"]',
    }


@pytest.mark.parametrize(
    "call, errno_name",
    [
        ('os.chmod(open("f", "w").name, 0o4755)', "EPERM"),
        ('os.chmod(open("f", "w").name, 0o2755)', "EPERM"),
        ('os.chmod(open("f", "w").name, 0o1755)', "EPERM"),
        ('os.mknod("null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))', "EPERM"),
        ('os.chown(open("f", "w").name, 0, 0)', "EPERM"),
        ("os.setuid(0)", "EPERM"),
        ("os.setgroups([0])", "EPERM"),
        ("socket.socket(socket.AF_INET)", "EACCES"),
        ("os.mkfifo('fifo') or os.chmod('fifo', 0o7777)", "EPERM"),
    ],
)
def test_privilege_is_refused_with_an_error_python_raises(run, call, errno_name):
    outcome = run(
        f"import errno, os, socket, stat\ndef main():\n    try:\n        {call}\n"
        "    except OSError as exc:\n        return errno.errorcode[exc.errno]\n"
        "    return 'allowed'"
    )
    assert outcome.kind is Kind.OK and outcome.result == errno_name, outcome


def test_the_jail_may_change_the_mode_of_its_own_files(run):
    outcome = run(
        "import os, stat\ndef main():\n    os.chmod(open('f', 'w').name, 0o750)\n"
        "    os.mkfifo('fifo')\n"
        "    return oct(os.stat('f').st_mode & 0o7777), stat.S_ISFIFO(os.stat('fifo').st_mode)"
    )
    assert outcome.kind is Kind.OK and outcome.result == ["0o750", True], outcome


@pytest.mark.parametrize(
    "call",
    [
        'ctypes.CDLL(None).mount(b"none", b"/tmp", b"tmpfs", 0, None)',
        "ctypes.CDLL(None).unshare(0x10000000)",
        "ctypes.CDLL(None).ptrace(0, 0, 0, 0)",
    ],
)
def test_forbidden_system_calls_kill_the_script(run, call):
    outcome = run(f"import os, ctypes\ndef main():\n    {call}\n    return 'allowed'")
    assert outcome.kind is Kind.KILLED
    assert outcome.error["signal"] == "SIGSYS"


# Output -------------------------------------------------------------------------------------


def test_stdout_and_stderr_are_captured_separately(run):
    outcome = run(
        "import sys\ndef main():\n    print('out')\n    print('err', file=sys.stderr)\n    return 1"
    )
    assert (outcome.stdout, outcome.stderr) == ("out\n", "err\n")
    assert not outcome.stdout_truncated and not outcome.stderr_truncated


def test_output_is_capped_and_flagged(run):
    outcome = run(
        "import sys\ndef main():\n    sys.stdout.write('a' * 100_000)\n"
        "    sys.stderr.write('b' * 100_000)\n    return 'done'",
        max_output_bytes=4096,
    )
    assert outcome.kind is Kind.OK and outcome.result == "done"
    assert outcome.stdout == "a" * 4096 and outcome.stdout_truncated
    assert outcome.stderr == "b" * 4096 and outcome.stderr_truncated


def test_printing_cannot_forge_the_result(run):
    outcome = run(
        'def main():\n    print(\'{"kind": "ok", "result": "forged"}\')\n    return "real"'
    )
    assert outcome.result == "real"


# Isolation ----------------------------------------------------------------------------------


def test_cannot_read_the_functions_own_source(run):
    source_file = Path(nsjail.__file__).resolve()
    outcome = run(f"def main():\n    return open({str(source_file)!r}).read()")
    assert outcome.kind is Kind.EXCEPTION
    assert outcome.error["type"] == "FileNotFoundError"


def test_cannot_read_the_hosts_files(run):
    outcome = run(
        "import os\ndef main():\n"
        "    return {p: os.path.exists(p) for p in ['/etc/hostname', '/etc/shadow', '/root',"
        " '/proc/1/environ', '/sys/kernel', '/opt/pyexec', '/work']}"
    )
    assert outcome.kind is Kind.OK
    assert not any(outcome.result.values()), outcome.result


def test_host_environment_does_not_leak(run):
    assert os.environ["PYEXEC_TEST_CANARY"]
    outcome = run("import os\ndef main():\n    return dict(os.environ)")
    assert outcome.kind is Kind.OK
    assert "PYEXEC_TEST_CANARY" not in outcome.result
    assert set(outcome.result) <= {
        "PATH", "LANG", "HOME", "TMPDIR", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
        "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "LC_CTYPE",
    }  # fmt: skip


def test_runs_unprivileged(run):
    outcome = run("import os\ndef main():\n    return [os.getuid(), os.getgid(), os.geteuid()]")
    assert outcome.kind is Kind.OK
    assert 0 not in outcome.result


@pytest.mark.parametrize("path", ["/etc/passwd", "/usr/lib/python3.11/os.py", "/newfile"])
def test_cannot_write_outside_tmp(run, path):
    outcome = run(f"def main():\n    open({path!r}, 'a').write('x')")
    assert outcome.kind is Kind.EXCEPTION
    assert outcome.error["type"] in ("PermissionError", "OSError")


def test_can_write_and_read_the_temporary_folder(run):
    outcome = run(
        "import os, tempfile\ndef main():\n"
        "    path = os.path.join(tempfile.gettempdir(), 'data.txt')\n"
        "    open(path, 'w').write('kept')\n"
        "    return [open(path).read(), os.getcwd() == tempfile.gettempdir()]"
    )
    assert outcome.result == ["kept", True]


def test_temporary_files_do_not_leak_between_executions(run):
    first = run(
        "import os, tempfile\ndef main():\n"
        "    path = os.path.join(tempfile.gettempdir(), 'secret.txt')\n"
        "    open(path, 'w').write('s3cret')\n    return path"
    )
    assert first.kind is Kind.OK
    second = run(
        "import os\ndef main(path):\n    return os.path.exists(path)", {"path": first.result}
    )
    assert second.result is False


def test_tmp_cannot_be_listed(run):
    outcome = run("import os\ndef main():\n    return os.listdir('/tmp')")
    if outcome.kind is Kind.OK:  # namespaces profile: a private, empty tmpfs
        assert outcome.result == []
    else:  # gvisor profile: /tmp holds other executions' private folders, and is not listable
        assert outcome.error["type"] == "PermissionError"


def test_cannot_connect_to_a_loopback_listener(run, loopback_listener):
    port, connections = loopback_listener
    outcome = run(
        "import socket\ndef main(port):\n"
        "    s = socket.create_connection(('127.0.0.1', port), timeout=1)\n    return 'connected'",
        {"port": port},
    )
    assert outcome.kind is Kind.EXCEPTION
    assert outcome.error["type"] == "PermissionError"
    assert connections == []


@pytest.mark.parametrize("family", ["AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"])
def test_no_network_socket_family_can_be_opened(run, family):
    kind = "SOCK_RAW" if family in ("AF_NETLINK", "AF_PACKET") else "SOCK_STREAM"
    outcome = run(f"import socket\ndef main():\n    socket.socket(socket.{family}, socket.{kind})")
    assert outcome.kind is Kind.EXCEPTION
    assert outcome.error["type"] == "PermissionError"


def test_af_unix_sockets_only_where_the_jail_has_a_network_namespace(run, sandbox):
    """multiprocessing's Manager and forkserver listen on an AF_UNIX socket in /tmp. Where the
    jail has no network namespace (gvisor profile), such a socket could reach the host's
    abstract names: refused there."""
    outcome = run(
        "import socket\ndef main():\n"
        "    server = socket.socket(socket.AF_UNIX)\n    server.bind('/tmp/s')\n"
        "    server.listen()\n    client = socket.socket(socket.AF_UNIX)\n"
        "    client.connect('/tmp/s')\n    peer, _ = server.accept()\n"
        "    client.send(b'hi')\n    return peer.recv(2).decode()"
    )
    if sandbox.profile is Profile.GVISOR:
        assert outcome.kind is Kind.EXCEPTION and outcome.error["type"] == "PermissionError"
    else:
        assert outcome.kind is Kind.OK and outcome.result == "hi", outcome


def test_socketpair_still_works_for_in_process_pipes(run):
    outcome = run(
        "import socket\ndef main():\n    a, b = socket.socketpair()\n    a.send(b'hi')\n"
        "    return b.recv(2).decode()"
    )
    assert outcome.result == "hi"


def test_fork_bomb_is_contained(run):
    outcome = run(
        script(
            """
            import os

            def main():
                children = 0
                try:
                    while True:
                        if os.fork() == 0:
                            import time
                            time.sleep(60)
                            os._exit(0)
                        children += 1
                except OSError as exc:
                    return {"children": children, "errno": exc.errno}
            """
        ),
        max_processes=16,
    )
    assert outcome.kind is Kind.OK
    assert outcome.result["children"] <= 16
    assert outcome.result["errno"] == 11  # EAGAIN


def test_nothing_is_left_running_after_an_execution(run, sandbox):
    outcome = run(
        script(
            """
            import os

            def main():
                if os.fork() == 0:
                    os.setsid()
                    import time
                    time.sleep(60)
                return "left a child behind"
            """
        )
    )
    assert outcome.kind is Kind.OK
    assert leftovers(sandbox.uids) == []


def test_clearing_the_parent_death_signal_is_refused(run):
    outcome = run("import ctypes\ndef main():\n    return ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)")
    assert outcome.result == -1


def test_a_jail_that_outlives_its_deadline_is_killed_whole(run, sandbox):
    outcome = run(
        script(
            """
            import ctypes, os, time

            def main():
                ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)
                if os.fork() == 0:
                    time.sleep(60)
                time.sleep(60)
            """
        ),
        timeout_s=0.5,
    )
    assert outcome.kind is Kind.TIMEOUT
    assert leftovers(sandbox.uids) == []


def test_a_leftover_process_that_kills_its_own_uid_does_not_survive(run, sandbox):
    outcome = run(
        script(
            """
            import os, time

            def main():
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        while True:
                            try:
                                os.kill(-1, 9)
                            except OSError:
                                pass
                            time.sleep(0.001)
                    os._exit(0)
                time.sleep(0.2)
                return "planted"
            """
        )
    )
    assert outcome.kind in (Kind.OK, Kind.KILLED)  # the loop may kill main() itself first
    assert leftovers(sandbox.uids) == []
    assert run("def main():\n    return 'clean'").result == "clean"


def test_x32_system_calls_are_refused(run):
    outcome = run(
        "import ctypes\ndef main():\n    return ctypes.CDLL(None).syscall(0x40000000 | 41, 2, 1, 0)"
    )
    assert outcome.kind is Kind.KILLED and outcome.error["signal"] == "SIGSYS"


@pytest.mark.parametrize(
    "frame",
    [
        b'{"kind": "ok", "result": NaN}',
        b'{"kind": "timeout", "message": "forged"}',
        b'{"kind": "exception", "type": "X", "message": "m", "traceback": "", "code": "busy"}',
        b"[" * 100_000,
    ],
)
def test_a_forged_result_frame_is_not_trusted(run, frame):
    outcome = run(
        f"import os, sys\ndef main():\n    os.write(int(sys.argv[1]), {frame!r})\n    os._exit(0)"
    )
    assert outcome.kind is Kind.INVALID_RESULT
    assert "result channel" in outcome.error["message"]


def test_a_lone_surrogate_in_the_result_survives(run):
    outcome = run("def main():\n    return '\\ud800'")
    assert outcome.kind is Kind.OK and outcome.result == "\ud800"


def test_an_int_too_long_to_write_is_an_invalid_result(run):
    outcome = run("def main():\n    return 10 ** 5000")
    assert outcome.kind is Kind.INVALID_RESULT


def test_huge_exception_messages_are_clipped(run):
    outcome = run("def main():\n    raise ValueError('x' * 2_000_000)")
    assert outcome.kind is Kind.EXCEPTION
    assert len(outcome.error["message"]) < 3000
    assert outcome.error["message"].endswith("more]")


def test_next_execution_works_after_a_hostile_one(run):
    run("import os\ndef main():\n    os.kill(-1, 9)")
    assert run("def main():\n    return 'still serving'").result == "still serving"


def test_a_jail_writing_a_byte_at_a_time_costs_the_runner_a_read_per_batch(run, monkeypatch):
    """A pipe that delivered little is read again only after a pause, so a chatty jail costs
    the runner a wake-up per batch, not one per byte (which cost it 0.5 to 1 core). Counted in
    reads rather than CPU time: under gVisor a thread's CPU time also counts its waits on the
    sandbox kernel, which a chatty jail keeps busy."""
    reads = []
    real_read = os.read

    def counting_read(fd, size):
        data = real_read(fd, size)
        reads.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counting_read)
    outcome = run(
        script("""
            import os
            def main():
                while True:
                    os.write(1, b"x")
                    os.write(2, b"y")
            """),
        timeout_s=4,
    )
    monkeypatch.undo()
    assert outcome.kind is Kind.TIMEOUT
    assert outcome.stdout.startswith("xxx") and outcome.stderr.startswith("yyy")
    # Each pipe: a few reads a pause (a full one, then what came meanwhile); NsJail's log.
    most = 2 * 4 * 4 / nsjail._BATCH_PAUSE_S + 50
    assert len(reads) < most, f"{len(reads)} reads of {sum(reads)} bytes"


def test_output_written_while_its_pipe_is_paused_is_kept_when_the_jail_is_stopped(run, monkeypatch):
    """A pipe that delivered little is read again only after a pause; a jail stopped at a
    limit during the pause keeps what it wrote (here the pause is made longer than the run)."""
    monkeypatch.setattr(nsjail, "_BATCH_PAUSE_S", 60)
    outcome = run(
        "import time\ndef main():\n    print('first', flush=True)\n    time.sleep(0.2)\n"
        "    print('last', flush=True)\n    time.sleep(30)",
        timeout_s=3,
    )
    assert outcome.kind is Kind.TIMEOUT
    assert outcome.stdout == "first\nlast\n"


DEVICES = """
import errno, os
def main():
    seen = {}
    for path, mode in [("/dev/urandom", "rb"), ("/dev/zero", "rb"), ("/dev/null", "wb")]:
        try:
            with open(path, mode) as device:
                seen[path] = device.write(b"x" * 8) if "w" in mode else device.read(8).hex()
        except OSError as exc:
            seen[path] = errno.errorcode[exc.errno]
    seen["os.urandom"] = len(os.urandom(16))
    try:
        open("/dev/planted", "w")
        seen["/dev/planted"] = "made"
    except OSError as exc:
        seen["/dev/planted"] = errno.errorcode[exc.errno]
    return seen
"""


def test_devices_work_in_both_profiles_and_nothing_can_be_planted_there(run, sandbox):
    outcome = run(DEVICES)
    assert outcome.kind is Kind.OK, outcome
    seen = outcome.result
    assert seen.pop("os.urandom") == 16  # getrandom()
    assert len(seen.pop("/dev/urandom")) == 16
    # A read-only tmpfs (namespaces), or the rootfs's root-owned /dev (gvisor).
    planted = "EROFS" if sandbox.profile is Profile.NAMESPACES else "EACCES"
    assert seen == {"/dev/zero": "00" * 8, "/dev/null": 8, "/dev/planted": planted}


def test_dev_shm_holds_posix_semaphores_and_shared_memory(run):
    outcome = run(
        "import multiprocessing\nfrom multiprocessing import shared_memory\ndef main():\n"
        "    lock = multiprocessing.Lock()\n    with lock:\n"
        "        block = shared_memory.SharedMemory(create=True, size=16)\n"
        "        block.buf[0] = 7\n        value = block.buf[0]\n"
        "        block.close()\n        block.unlink()\n    return value"
    )
    assert outcome.kind is Kind.OK and outcome.result == 7, outcome
