"""Helpers shared by the test modules: real HTTP, strict JSON, what is left running."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from sandbox import Sandbox, Settings


def http(method: str, url: str, body: dict | bytes | None = None, headers=None):
    """One real HTTP request; returns (status, headers, body decoded as strict JSON)."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in (headers or {"Content-Type": "application/json"}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), strict_json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), strict_json(error.read())


REPO = Path(__file__).resolve().parent.parent
#: Seconds from `podman run` to the first answer, per run mode (test_image.py; conftest.py
#: prints them at the end of the run).
COLD_STARTS: dict[str, float | None] = {}


@contextlib.contextmanager
def serve(log_path: Path, **env: str):
    """A real server (function/server.py, as `make run` starts it) on a free loopback port,
    with ``env`` over this process's environment; yields (base URL, process) once healthy."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, REPO / "function/server.py", "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=log_file, stderr=subprocess.STDOUT, env={**os.environ, **env},
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if http("GET", f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"the server did not become healthy:\n{log_path.read_text()}")
        yield base, process
    finally:
        if process.poll() is None:  # As the platform stops it: its warm jails go with it.
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()


def strict_json(data: bytes):
    """A body as the strictest client parses it: UTF-8 JSON with no NaN or Infinity token and
    no lone surrogate escape (which Go, Rust and others refuse or alter)."""

    def refuse(name):
        raise AssertionError(f"non-standard JSON token {name}")

    document = json.loads(data.decode("utf-8"), parse_constant=refuse)
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending += [*item, *item.values()]
        elif isinstance(item, list):
            pending += item
        elif isinstance(item, str):
            item.encode("utf-8")  # Raises on a lone surrogate.
    return document


def settings_with(**changes) -> Settings:
    """The settings the environment gives, with some fields changed, and no warm jails unless
    asked for: a test's own Sandbox would otherwise keep jails waiting until the session ends
    (warm jails are tested through the session's sandbox, main.py's and real servers)."""
    return replace(Settings.from_env(), **{"warm_jails": False, **changes})


def leftovers(jail_uids) -> list[str]:
    """Live processes of the given jail uids, besides the warm jails that wait for a request
    in any sandbox of this process (once each pool has filled its places again)."""
    return live_jail_processes(set(jail_uids) - _waiting_uids())


def leftover_folders(rootfs: Path) -> list[str]:
    """Private folders in the rootfs's /tmp (gvisor profile) of no warm jail that waits."""
    waiting = _waiting_uids()
    folders = [(path, path.stat().st_uid) for path in (rootfs / "tmp").iterdir()]
    return [f"{path} (uid {uid})" for path, uid in folders if uid not in waiting]


def _waiting_uids() -> set[int]:
    """The uids of the warm jails every sandbox of this process keeps waiting, once each has
    filled its places again."""
    waiting: set[int] = set()
    for box in [o for o in gc.get_objects() if isinstance(o, Sandbox)]:
        waiting.update(box.waiting_uids(settle_s=60))
    return waiting


#: Warm jails of the `server` fixture (conftest.py): a place per slot (2) and preload set (2).
SERVER_WARM_PLACES = 4


def wait_for_a_request_jail(jail_uids, warm_places: int = SERVER_WARM_PLACES) -> None:
    """Wait until a request's jail runs beside a server's warm jails: more live jail processes
    than it has warm places (never more wait or start at once)."""
    deadline = time.monotonic() + 10
    while len(live_jail_processes(jail_uids)) <= warm_places and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(live_jail_processes(jail_uids)) > warm_places, "no request started a jail"


def no_jails_within(jail_uids, seconds: float = 10) -> list[str]:
    """Live processes of the given uids, once none is left or ``seconds`` have passed (a
    server's warm jails end once it is gone: their stdin closes)."""
    deadline = time.monotonic() + seconds
    while (left := live_jail_processes(jail_uids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def live_processes() -> list[tuple[int, int, str]]:
    """(pid, uid, name) of every process that still runs: a zombie only while another thread
    of it lives on (its Threads count, which includes itself). Plain zombies are left out: they
    wait for PID 1 to reap them, and in gVisor PID 1 is pytest itself, which does not."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            lines = (proc / "status").read_bytes().splitlines()
        except OSError:
            continue
        fields = {name: value.strip() for name, _, value in (ln.partition(b":") for ln in lines)}
        if fields[b"State"].startswith(b"Z") and int(fields[b"Threads"]) <= 1:
            continue
        uid = int(fields[b"Uid"].split()[0])
        found.append((int(proc.name), uid, fields[b"Name"].decode("utf-8", "replace")))
    return found


def live_jail_processes(jail_uids) -> list[str]:
    """Live processes of the given jail uids (a sandbox's ``uids``, or a server's)."""
    jail_uids = set(jail_uids)
    return [f"{pid} {name}" for pid, uid, name in live_processes() if uid in jail_uids]


def nsjail_processes(jail_uids) -> list[str]:
    """NsJail processes that run a jail as one of the given uids."""
    wanted = {str(uid).encode() for uid in jail_uids}
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[0].endswith(b"nsjail") and b"--user" in argv:
            user = argv[argv.index(b"--user") + 1]
            if user.rpartition(b":")[2] in wanted:
                found.append(f"{proc.name} {user.decode()}")
    return found


def log_entries(log_path: Path) -> list[dict]:
    """A server's log entries (its JSON lines; gunicorn's own lines are left out)."""
    return [json.loads(line) for line in log_path.read_text().splitlines() if line[:1] == "{"]


def server_uids(log_path: Path) -> list[int]:
    """Every jail uid a server leased, in its master process and its workers (from its log)."""
    found = [uid for entry in log_entries(log_path) for uid in entry.get("uids", [])]
    assert found, f"no uids in {log_path}"
    return found


@contextlib.contextmanager
def pubsub_emulator(folder: Path, project: str):
    """The real Pub/Sub emulator (gcloud's, Java) on a free loopback port, its data in
    ``folder``; yields its host:port once it listens, and stops it (its Java child too)."""
    gcloud = shutil.which("gcloud")
    assert gcloud, "the Google Cloud CLI (gcloud) is needed for the Pub/Sub emulator"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    host = f"127.0.0.1:{port}"
    log_path = folder / "emulator.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [gcloud, "beta", "emulators", "pubsub", "start", f"--host-port={host}",
             f"--project={project}", f"--data-dir={folder}"],
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while b"Server started" not in log_path.read_bytes():
            assert process.poll() is None, f"the emulator ended:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"no emulator in 60 s:\n{log_path.read_text()}"
            time.sleep(0.2)
        yield host
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
