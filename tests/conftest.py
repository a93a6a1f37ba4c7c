"""Shared fixtures: one real, started sandbox per test session.

The sandbox is the real thing: the patched NsJail and the rootfs built by `make setup`
(PYEXEC_NSJAIL / PYEXEC_ROOTFS, exported by the Makefile), with the profile `auto` chooses for
this host. `make test-gvisor` runs the behaviour tests again inside gVisor, with
PYEXEC_EXPECT_PROFILE=gvisor.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from helpers import COLD_STARTS, serve
from sandbox import Limits, Outcome, Sandbox, Settings

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("PYEXEC_NSJAIL", str(REPO / ".build/nsjail/nsjail"))
os.environ.setdefault("PYEXEC_ROOTFS", str(REPO / ".build/rootfs"))
# A host variable no jail may see (test_sandbox.py checks).
os.environ["PYEXEC_TEST_CANARY"] = "canary-7f3a9c"


@pytest.fixture(scope="session")
def sandbox():
    box = Sandbox(Settings.from_env())
    box.start()
    yield box
    box.shutdown()


@pytest.fixture
def run(sandbox: Sandbox):
    """run(script, args=None, **limits) -> Outcome, with a short default timeout."""

    def _run(script: str, args: dict | None = None, **limits: float) -> Outcome:
        merged = {"timeout_s": 5.0, **limits}
        resolved: Limits = sandbox.settings.limits.resolve(merged)
        return sandbox.run(script, args, resolved)

    return _run


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """functions-framework on a free loopback port, with room for 20 requests at once."""
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with serve(log_path, PYEXEC_SLOTS="2", PYEXEC_QUEUE="18", THREADS="22") as (base, process):
        yield base, process, log_path


@pytest.fixture
def loopback_listener():
    """A TCP listener on 127.0.0.1 that records whether anything connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    connections: list[object] = []

    def accept() -> None:
        try:
            connections.append(server.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    yield server.getsockname()[1], connections
    thread.join()
    server.close()


def pytest_terminal_summary(terminalreporter) -> None:
    for mode, seconds in COLD_STARTS.items():
        shown = f"{seconds:.2f} s" if seconds is not None else "no answer"
        terminalreporter.write_line(f"image cold start, {mode}: {shown} (podman run to an answer)")
