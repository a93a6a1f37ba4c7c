"""A bounded load test on loopback: N requests at concurrency C against one server.

    make load                      # 1000 requests, 16 at a time, the hello-world script

Starts `function/server.py` on a free loopback port (the same command as `make run`), sends the
requests, and prints: answers by status, latencies (p50, p95, max), whether every 429
carried Retry-After, the server's open file descriptors and resident memory, before and
after, and what was left once it stopped: jail processes, temporary folders. Exits non-zero if any
answer was neither 200 nor 429, any request was lost, or anything was left behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("LOAD_REQUESTS", "1000"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "16"))
SCRIPT = 'def main():\n    print("hello")\n    return {"status": "ok"}\n'
JAIL_UIDS = range(65000, 65256)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(url: str) -> tuple[int, float, str | None]:
    data = json.dumps({"script": SCRIPT}).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status, time.perf_counter() - started, None
    except urllib.error.HTTPError as error:
        error.read()
        return error.code, time.perf_counter() - started, error.headers.get("Retry-After")


def process_facts(pid: int) -> tuple[int, int]:
    """(open file descriptors, resident memory in KiB) of a process."""
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
    return fds, rss


def worker_pid(master: int) -> int:
    """gunicorn's worker: the server process's child that is not a jail (gVisor has no
    /proc/<pid>/task/<tid>/children, so parents are read from each process's status)."""
    for status in Path("/proc").glob("[0-9]*/status"):
        fields = dict(ln.split(":", 1) for ln in status.read_text().splitlines() if ":" in ln)
        if int(fields["PPid"]) == master and fields["Name"].strip() != "nsjail":
            return int(status.parent.name)
    raise RuntimeError("no gunicorn worker found")


def leftovers(rootfs: Path) -> tuple[list[int], list[str]]:
    jail_processes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(ln.split(":", 1) for ln in status.read_text().splitlines() if ":" in ln)
        except OSError:
            continue
        uid = int(fields["Uid"].split()[0])
        if uid in JAIL_UIDS and not fields["State"].strip().startswith("Z"):
            jail_processes.append(int(status.parent.name))
    temp_dirs = [p.name for p in (rootfs / "tmp").iterdir()] if (rootfs / "tmp").exists() else []
    return jail_processes, temp_dirs


def main() -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PORT": str(port), "PATH": f"{REPO / '.venv/bin'}:{os.environ['PATH']}"}
    server = subprocess.Popen(
        [str(REPO / "function/server.py"), "--host", "127.0.0.1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        rootfs = Path(os.environ.get("PYEXEC_ROOTFS", "/opt/pyexec/rootfs"))
        post(f"{base}/execute")  # warm-up: the worker's first request
        worker = worker_pid(server.pid)
        fds_before, rss_before = process_facts(worker)

        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            answers = list(pool.map(lambda _: post(f"{base}/execute"), range(REQUESTS)))
        elapsed = time.perf_counter() - started
        time.sleep(1)  # let the last jails be reaped

        fds_after, rss_after = process_facts(worker)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    jail_processes, temp_dirs = leftovers(rootfs)  # Warm jails end with the server.

    statuses = Counter(status for status, _, _ in answers)
    ok_latencies = sorted(latency * 1000 for status, latency, _ in answers if status == 200)
    busy_without_retry_after = sum(1 for s, _, ra in answers if s == 429 and not ra)
    p95 = statistics.quantiles(ok_latencies, n=20)[-1] if len(ok_latencies) > 1 else 0.0
    print(f"{REQUESTS} requests, {CONCURRENCY} at a time, in {elapsed:.1f} s "
          f"({REQUESTS / elapsed:.0f} requests/s)")  # fmt: skip
    print(f"answers: {dict(sorted(statuses.items()))}, lost: {REQUESTS - len(answers)}")
    print(f"200 latency ms: p50 {statistics.median(ok_latencies):.1f}, p95 {p95:.1f}, "
          f"max {ok_latencies[-1]:.1f}")  # fmt: skip
    print(f"429 without Retry-After: {busy_without_retry_after}")
    print(f"left behind: {len(jail_processes)} jail processes, {len(temp_dirs)} temporary folders")
    print(f"server worker: fds {fds_before} -> {fds_after}, "
          f"RSS {rss_before / 1024:.1f} -> {rss_after / 1024:.1f} MiB")  # fmt: skip
    failed = (
        set(statuses) - {200, 429}
        or len(answers) != REQUESTS
        or busy_without_retry_after
        or jail_processes
        or temp_dirs
        or fds_after > fds_before
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
