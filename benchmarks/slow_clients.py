"""A dozen slow or non-reading clients beside normal traffic, on loopback.

    make slow-clients

For each server, in one run: ROUNDS of (GET /healthz, POST a hello script) in sequence,
first alone, then while twelve clients are held: four send their request head a byte every
0.25 s, four their body, and four do not read the 31 MiB response they asked for. The servers:
function/server.py as `make run` starts it (its client timeout is PYEXEC_CLIENT_TIMEOUT_S,
default 30 s), then functions-framework's CLI as `make run` served before (threads = slots +
queue + 2, no client timeout). Each request gives up after PATIENCE_S.

Prints latencies (p50, p95, max) as multiples of a bare `python3 -c pass` measured in the same
run, how many requests were answered, the worker's resident memory, and what became of the
slow clients. No verdict: tests/test_clients.py holds the assertions.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from load import free_port, process_facts, worker_pid

REPO = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("SLOW_ROUNDS", "20"))
PATIENCE_S = 5.0
HELLO = json.dumps({"script": "def main():\n    return 'hello'"}).encode()
HEAD = b"POST /execute HTTP/1.1\r\nHost: pyexec\r\nContent-Type: application/json\r\n"
BIG = json.dumps({
    "script": "import sys\ndef main():\n    sys.stdout.write('\\x01' * (8 << 20))\n"
              "    sys.stderr.write('\\x01' * (8 << 20))",
    "limits": {"max_output_bytes": 8 << 20},
}).encode()  # fmt: skip
SERVERS = {
    "function/server.py": [sys.executable, str(REPO / "function/server.py")],
    "functions-framework CLI": [
        str(Path(sys.executable).parent / "functions-framework"), "--target", "execute",
        "--source", str(REPO / "function/main.py"),
    ],
}  # fmt: skip


def bare_python_s() -> float:
    samples = []
    for _ in range(10):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def timed(url: str, data: bytes | None) -> float | None:
    """Seconds until a 200, or None if it did not come within PATIENCE_S."""
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=PATIENCE_S) as response:
            response.read()
            return time.perf_counter() - started if response.status == 200 else None
    except OSError:
        return None


def traffic(base: str) -> dict[str, list[float | None]]:
    samples: dict[str, list[float | None]] = {"GET /healthz": [], "POST hello": []}
    for _ in range(ROUNDS):
        samples["GET /healthz"].append(timed(f"{base}/healthz", None))
        samples["POST hello"].append(timed(f"{base}/execute", HELLO))
        if sum(s is None for values in samples.values() for s in values) >= 3:
            break  # Stalled: more rounds would only wait PATIENCE_S each.
    return samples


class SlowClient(threading.Thread):
    """One held client; ``outcome`` says what the server did, ``held_s`` after how long."""

    def __init__(self, port: int, kind: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.kind, self.stop = port, kind, stop
        self.ready = threading.Event()
        self.outcome, self.held_s = "still held", 0.0

    def run(self) -> None:
        with socket.socket() as sock:
            if self.kind == "reader":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", self.port))
            started = time.monotonic()
            if self.kind == "reader":
                sock.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(BIG) + BIG)
                sock.recv(1, socket.MSG_PEEK)
                self.ready.set()
                self.stop.wait()
                self.outcome = self._response(sock)
                return
            if self.kind == "head":
                sock.sendall(b"POST /execute HTTP/1.1\r\n")
                trickle = b"X-Slow: 1\r\n" * 10_000
            else:
                sock.sendall(HEAD + b"Content-Length: 100000\r\n\r\n")
                trickle = b'{"script": "' + b"#" * 99_000
            self.ready.set()
            sock.setblocking(False)
            for byte in trickle:
                if self.stop.wait(0.25):
                    return
                try:
                    answer = sock.recv(100)
                except BlockingIOError:
                    sock.send(bytes([byte]))
                    continue
                except OSError:
                    answer = b""
                self.outcome = answer.split(b"\r\n")[0].decode() or "closed"
                self.held_s = time.monotonic() - started
                return

    @staticmethod
    def _response(sock: socket.socket) -> str:
        """Read what is left of the response: whole, or cut by the server."""
        sock.settimeout(PATIENCE_S)
        data = bytearray()
        try:
            while chunk := sock.recv(1 << 20):
                data += chunk
        except OSError:
            pass
        head, _, body = bytes(data).partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), None)  # fmt: skip
        return "response read whole" if length == len(body) else "response cut by the server"


def measure(name: str, argv: list[str], bare_s: float) -> None:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "PYEXEC_SLOTS": "2",
           "PYEXEC_QUEUE": "2", "THREADS": "" if name.startswith("function/") else "6"}  # fmt: skip
    env = {key: value for key, value in env.items() if value}
    server = subprocess.Popen([*argv, "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        healthy_by = time.monotonic() + 60
        while timed(f"{base}/healthz", None) is None:
            if time.monotonic() > healthy_by or server.poll() is not None:
                raise SystemExit(f"{name} did not become healthy: run `make slow-clients`, "
                                 "which builds and names NsJail and the rootfs")  # fmt: skip
            time.sleep(0.2)
        worker = worker_pid(server.pid)
        report(name, "alone", traffic(base), process_facts(worker)[1], bare_s)
        stop = threading.Event()
        clients = [SlowClient(port, kind, stop) for kind in ("head", "body", "reader") * 4]
        for client in clients:
            client.start()
            client.ready.wait(30)
        report(name, "12 slow clients", traffic(base), process_facts(worker)[1], bare_s)
        deadline = time.monotonic() + 40  # The product's client timeout is 30 s.
        while time.monotonic() < deadline and any(
            c.outcome == "still held" for c in clients if c.kind != "reader"
        ):
            time.sleep(0.5)
        stop.set()
        for client in clients:
            client.join(PATIENCE_S * 2)
        for kind in ("head", "body", "reader"):
            mine = [c for c in clients if c.kind == kind]
            outcomes = sorted({c.outcome for c in mine})
            held = max(c.held_s for c in mine)
            after = f" after {held:.1f} s at most" if held else ""
            print(f"    {kind:6} clients: {', '.join(outcomes)}{after}")
        print(f"    worker RSS once they are gone: {process_facts(worker)[1] / 1024:.1f} MiB")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def report(server: str, phase: str, samples: dict, rss_kib: int, bare_s: float) -> None:
    for what, values in samples.items():
        done = sorted(v for v in values if v is not None)
        if done:
            p95 = done[min(len(done) - 1, round(0.95 * (len(done) - 1)))]
            shown = " / ".join(f"{v / bare_s:5.1f}x" for v in (statistics.median(done), p95,
                                                               done[-1]))  # fmt: skip
        else:
            shown = "        nothing answered"
        print(f"{server:24} {phase:16} {what:13} {shown}   {len(done):2}/{len(values):2} "
              f"answered   worker RSS {rss_kib / 1024:6.1f} MiB")  # fmt: skip


def main() -> None:
    bare_s = bare_python_s()
    print(
        f"bare `python3 -c pass`: {bare_s * 1000:.1f} ms; latencies below are p50 / p95 / "
        f"max as multiples of it; each request waits at most {PATIENCE_S:.0f} s"
    )
    for name, argv in SERVERS.items():
        measure(name, argv, bare_s)


if __name__ == "__main__":
    main()
