"""Latency, throughput and CPU per execution over real HTTP, with warm jails off and on.

    make bench        # the namespaces profile here, then the gvisor profile under runsc

For each setting of PYEXEC_WARM_JAILS it starts function/server.py (as `make run` does) on a
loopback port, with 2 slots and a queue of 400 so that nothing is refused, and measures:

- a hello world and an ``import pandas`` script, BENCH_REQUESTS (50) requests each after 5 to
  warm up: paced BENCH_PACE_S apart (0.5 s; 1 s in gVisor), a rate at which the pool refills
  between them,
  and back to back: p50 and p95, and how many ran in a warm jail and how long requests
  waited for their jail (the server's log says, per execution);
- hello throughput: BENCH_THROUGHPUT (400) requests, 4 at a time;
- CPU per execution in that throughput run: the server, NsJail and the jails (the counters of
  the server's process tree, waited-for children included).

Each is printed as a ratio to a bare ``python3 -c pass`` measured in the same run, and in
the same rhythm: back to back for the back-to-back rows and the throughput, paced for the
paced rows (on this machine the same work takes up to twice as long after half a second of
idleness: the CPU's clock and sleep states). A benchmark prints numbers; nothing here
asserts a timing.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "function"))

from sandbox import processes  # noqa: E402 - the function's own, beside it

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))
GVISOR = os.uname().release == "4.4.0"
#: The paced rows' rhythm: one the instance sustains. A pandas jail costs more than a second
#: of CPU to start in gVisor, so two cores cannot refill two a second there.
PACE_S = float(os.environ.get("BENCH_PACE_S", "1.0" if GVISOR else "0.5"))
THROUGHPUT = int(os.environ.get("BENCH_THROUGHPUT", "400"))
CONCURRENCY = 4
WARM_UP = 5
HELLO = 'def main():\n    print("hello")\n    return {"status": "ok"}\n'
PANDAS = "import pandas\ndef main():\n    return pandas.__version__\n"


def bare_python_ms(pace_s: float, runs: int = 20) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(pace_s)
    return statistics.median(samples)


@contextmanager
def server(warm: str, log_path: Path) -> Iterator[tuple[int, int]]:
    """(port, pid) of a server with warm jails ``on`` or ``off``, once its jails are ready."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = f"{REPO / '.venv/bin'}:{os.environ['PATH']}"
    env = {**os.environ, "PYEXEC_WARM_JAILS": warm, "PYEXEC_SLOTS": "2",
           "PYEXEC_QUEUE": str(THROUGHPUT), "PATH": path}  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(REPO / "function/server.py"), "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        for _ in range(300):
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        time.sleep(3)  # The worker's warm jails (pandas takes a second or more in gVisor).
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def request(port: int, method: str, path: str, script: str | None = None, conn=None):
    """(status, milliseconds) of one request, on ``conn`` if given (kept alive)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = json.dumps({"script": script}).encode() if script is not None else None
    started = time.perf_counter()
    conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if own:
        conn.close()
    return response.status, elapsed


def executions(log_path: Path, since: int) -> list[dict]:
    """The server's execution log entries after the first ``since``."""
    entries = []
    for line in log_path.read_text().splitlines():
        if line.startswith("{") and '"outcome"' in line:
            entries.append(json.loads(line))
    return entries[since:]


def latencies(port: int, log_path: Path, script: str, pace_s: float) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for _ in range(WARM_UP):
        request(port, "POST", "/execute", script, conn)
        time.sleep(pace_s)
    seen = len(executions(log_path, 0))
    samples = []
    for _ in range(REQUESTS):
        status, ms = request(port, "POST", "/execute", script, conn)
        assert status == 200, status
        samples.append(ms)
        time.sleep(pace_s)
    conn.close()
    time.sleep(0.2)
    logged = executions(log_path, seen)
    return {
        "p50": statistics.median(samples),
        "p95": statistics.quantiles(samples, n=20)[-1],
        "warm": sum(1 for e in logged if e.get("jail") == "warm"),
        "wait": statistics.median(e.get("jail_wait_ms", 0.0) for e in logged),
    }


def tree_cpu_s(root: int) -> float:
    """CPU seconds of ``root`` and every live process below it, with the children each has
    waited for (gVisor lists no children, so parents are read from each status)."""
    parents: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            ppid = next(ln for ln in status.read_text().splitlines() if ln.startswith("PPid:"))
        except (OSError, StopIteration):
            continue
        parents[int(status.parent.name)] = int(ppid.split()[1])
    total = 0.0
    for pid in parents:
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == root or pid == root:
            total += processes.cpu_of(pid)
    return total


def throughput(port: int, pid: int) -> tuple[float, float, set[int]]:
    """(requests per second, CPU ms per execution, statuses) of the hello world, 4 at a time."""
    local = threading.local()  # A kept-alive connection per client thread.

    def send(_: int) -> int:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        return request(port, "POST", "/execute", HELLO, local.conn)[0]

    cpu_before = tree_cpu_s(pid)
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = set(pool.map(send, range(THROUGHPUT)))
    elapsed = time.perf_counter() - started
    cpu = tree_cpu_s(pid) - cpu_before
    return THROUGHPUT / elapsed, cpu * 1000 / THROUGHPUT, statuses


def main() -> None:
    profile = "gvisor" if GVISOR else "namespaces"
    bare = bare_python_ms(0)
    bare_paced = bare_python_ms(PACE_S)
    results = {}
    log_dir = Path(tempfile.mkdtemp(prefix="pyexec-bench-"))
    for warm in ("off", "on"):
        log_path = log_dir / f"server-{profile}-warm-{warm}.log"
        with server(warm, log_path) as (port, pid):
            rows = {}
            for name, script in (("hello", HELLO), ("import pandas", PANDAS)):
                rows[f"{name}, paced {PACE_S:g} s"] = latencies(port, log_path, script, PACE_S)
                rows[f"{name}, back to back"] = latencies(port, log_path, script, 0)
            rows["throughput"] = throughput(port, pid)
        results[warm] = rows

    print(f"\n{profile} profile; bare `python3 -c pass` (p50 of 20): {bare:.1f} ms back to back, "
          f"{bare_paced:.1f} ms paced {PACE_S:g} s; {REQUESTS} requests per row; x = ratio to "
          "bare in the same rhythm")  # fmt: skip
    print(f"{'':28}{'warm jails off':>34}   {'warm jails on':>34}")
    print(f"{'':28}" + f"{'p50 ms':>9}{'x':>6}{'p95 ms':>9}{'warm':>6}{'wait':>7}   " * 2)
    for row in results["on"]:
        if row == "throughput":
            continue
        cells = []
        base = bare_paced if "paced" in row else bare
        for warm in ("off", "on"):
            r = results[warm][row]
            cells.append(f"{r['p50']:9.1f}{r['p50'] / base:6.2f}{r['p95']:9.1f}"
                         f"{r['warm']:>6}{r['wait']:7.1f}")  # fmt: skip
        print(f"{row:28}" + "   ".join(cells))
    for warm in ("off", "on"):
        rate, cpu_ms, statuses = results[warm]["throughput"]
        print(f"hello, {CONCURRENCY} at a time, warm jails {warm}: {rate:.1f} requests/s "
              f"(x bare p50: {rate * bare / 1000:.2f}), statuses {sorted(statuses)}; "
              f"CPU per execution {cpu_ms:.1f} ms (x bare: {cpu_ms / bare:.2f})")  # fmt: skip
    print(
        "(warm: requests of the row that ran in a warm jail; wait: their median wait for a "
        "ready jail, in ms)"
    )


if __name__ == "__main__":
    main()
