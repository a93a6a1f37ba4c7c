"""Faults of the sandbox itself: it fails closed, says why, and the service goes on or stops
cleanly. (A jail killed from outside mid-execution: test_api.py.)"""

from __future__ import annotations

import io
import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from api.service import HttpRequest, Service
from helpers import (
    http,
    live_jail_processes,
    nsjail_processes,
    server_uids,
    settings_with,
    wait_for_a_request_jail,
)
from sandbox import Sandbox
from sandbox.private_folder import PrivateFolder

HELLO = 'def main():\n    return "hello"'


def service_with(**settings) -> Service:
    service = Service(Sandbox(settings_with(**settings)), 1 << 20, 0)
    service.start()
    return service


def execute(service: Service, script: str = HELLO):
    data = json.dumps({"script": script}).encode()
    return service.handle(
        HttpRequest("POST", "/execute", {"content-type": "application/json"}, len(data),
                    io.BytesIO(data))
    )[0]  # fmt: skip


def write_executable(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    path.chmod(0o755)
    return path


@pytest.mark.parametrize(
    ("what", "make", "reason"),
    [
        ("missing NsJail", lambda tmp: {"nsjail": tmp / "absent"}, "NsJail binary not found"),
        ("NsJail not a program", lambda tmp: {"nsjail": write_executable(
            tmp / "nsjail", os.urandom(4096))}, "could not start NsJail"),
        ("NsJail that runs nothing", lambda tmp: {"nsjail": write_executable(
            tmp / "nsjail", b"#!/bin/sh\nexit 0\n")}, "could not start the jail"),
        ("missing rootfs", lambda tmp: {"rootfs": tmp / "absent"}, "no Python in the jail's root"),
        ("rootfs with a broken interpreter", lambda tmp: broken_rootfs(tmp), "self-test"),
    ],
)  # fmt: skip
def test_a_broken_sandbox_fails_closed_with_a_clear_reason(tmp_path, capsys, what, make, reason):
    service = service_with(**make(tmp_path))
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert logged[-1]["severity"] == "ERROR" and logged[-1]["self_test"] == "failed"
    assert reason in logged[-1]["message"], logged[-1]["message"]
    reply = execute(service)
    assert reply.status == 503 and reply.body["error"]["code"] == "unavailable"
    assert reason in reply.body["error"]["message"]


def broken_rootfs(tmp: Path) -> dict:
    """A rootfs whose interpreter is not one: the self-test jail cannot run Python."""
    for folder in ("usr/bin", "tmp", "dev", "proc"):
        (tmp / "rootfs" / folder).mkdir(parents=True)
    write_executable(tmp / "rootfs/usr/bin/python3", b"\x7fELF-but-not-really")
    for device in ("null", "zero", "urandom"):
        (tmp / "rootfs/dev" / device).touch()
    (tmp / "rootfs/tmp").chmod(0o711)
    return {"rootfs": tmp / "rootfs"}


def test_a_full_tmp_is_the_scripts_error_not_the_servers(run, sandbox):
    outcome = run(
        "import os, tempfile\ndef main():\n"
        "    with open(os.path.join(tempfile.gettempdir(), 'big'), 'wb') as f:\n"
        "        for _ in range(64):\n            f.write(b'x' * (1 << 20))\n            f.flush()",
        tmp_size_mib=4,
        max_file_size_mib=256,
    )
    if sandbox.profile.value == "namespaces":
        assert outcome.kind.value == "exception"
        assert "No space left on device" in outcome.error["message"]
    else:  # gvisor: no tmpfs; the runner measures the private folder and stops the jail
        assert outcome.kind.value == "tmp_limit"
        assert outcome.error["tmp_size_mib"] == 4


def test_sigterm_during_load_answers_every_request_and_leaves_nothing(server):
    base, process, log_path = server
    jail_uids = server_uids(log_path)
    sleeper = {
        "script": "import time\ndef main():\n    time.sleep(20)",
        "limits": {"timeout_s": 30},
    }
    with ThreadPoolExecutor(12) as pool:
        pending = [pool.submit(http, "POST", f"{base}/execute", sleeper) for _ in range(12)]
        wait_for_a_request_jail(jail_uids)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        answers = []
        for future in pending:
            try:
                answers.append(future.result(timeout=30)[0])
            except OSError:
                answers.append("connection closed")
    process.wait(timeout=30)
    assert time.monotonic() - started < 10
    assert set(answers) <= {503, "connection closed"}, answers
    assert live_jail_processes(jail_uids) == []
    assert nsjail_processes(jail_uids) == []


def test_a_cleanup_that_fails_retires_its_slot_and_then_the_instance_is_unhealthy(
    sandbox, monkeypatch
):
    if sandbox.profile.value != "gvisor":
        pytest.skip("only the gvisor profile cleans up after a jail by hand")
    service = service_with(slots=1)

    def refuse(folder):
        raise OSError(f"cannot remove {folder.path}")  # as a filesystem fault would

    monkeypatch.setattr(PrivateFolder, "remove", refuse)
    failed = execute(service)
    assert failed.status == 500 and failed.body["error"]["code"] == "sandbox_error"
    health = service.handle(HttpRequest("GET", "/healthz", {}, None, io.BytesIO()))[0]
    assert health.status == 503 and "retired" in health.body["error"]["message"]
    assert execute(service).status == 503  # nothing runs on a retired slot
