"""What publishing results costs: the client library at start-up, and each publish.

    make bench-publish     # or: python benchmarks/publish.py

Against the real Pub/Sub emulator on loopback (started here, stopped after), so the numbers
are the client's and the loopback's, not a region's round trip. Prints, each as a ratio to
bare `python3 -c pass` measured in the same run:

- start-up: `Service.from_env` in a fresh interpreter, without and with PYEXEC_RESULTS_TOPIC
  (the second imports google-cloud-pubsub; each process makes its client at its first
  publish, which the first publish below includes);
- one publish through api.results.ResultPublisher, waited for (p50 and p95 of 100);
- a hello request over real HTTP to function/server.py, without and with "publish": true.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "function"), str(REPO / "tests")]

from helpers import http, pubsub_emulator, serve  # noqa: E402

PROJECT = "pyexec-bench"
TOPIC = f"projects/{PROJECT}/topics/results"
ROUNDS = 100


def timed(run, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def row(name: str, times: list[float], bare: float) -> None:
    p50, p95 = statistics.median(times), sorted(times)[int(len(times) * 0.95) - 1]
    print(f"{name:<44} p50 {p50:7.1f} ms ({p50 / bare:5.2f} x bare)   p95 {p95:7.1f} ms")


def main() -> None:
    bare = statistics.median(timed(lambda: subprocess.run(["/usr/bin/python3", "-c", "pass"]),
                                   20))  # fmt: skip
    print(f"bare python3 -c pass: p50 {bare:.1f} ms")
    with tempfile.TemporaryDirectory() as folder, pubsub_emulator(Path(folder), PROJECT) as host:
        os.environ["PUBSUB_EMULATOR_HOST"] = host
        from google.cloud import pubsub_v1

        pubsub_v1.PublisherClient().create_topic(name=TOPIC)
        probe = "from api.service import Service; import os; Service.from_env(os.environ)"
        for label, extra in [("without", {}), ("with", {"PYEXEC_RESULTS_TOPIC": TOPIC})]:
            env = {**os.environ, "PYTHONPATH": str(REPO / "function"), **extra}
            times = timed(lambda env=env: subprocess.run([sys.executable, "-c", probe],
                                                         env=env, check=True), 10)  # fmt: skip
            row(f"start-up, Service.from_env, {label} a topic", times, bare)

        from api.results import ResultPublisher

        publisher = ResultPublisher(TOPIC)
        document = json.dumps({"result": 1, "stdout": "", "execution_id": "x" * 32}).encode()
        row("first publish (makes the client)", timed(
            lambda: publisher.publish(document, {"outcome": "ok"}), 1), bare)  # fmt: skip
        row("one publish (waited for)", timed(
            lambda: publisher.publish(document, {"outcome": "ok"}), ROUNDS), bare)  # fmt: skip
        publisher.close()

        env = {"PYEXEC_RESULTS_TOPIC": TOPIC, "PUBSUB_EMULATOR_HOST": host}
        with serve(Path(folder) / "server.log", **env) as (base, _):
            for publish in (False, True):
                body = {"script": "def main():\n    return 1", "publish": publish}
                http("POST", f"{base}/execute", body)  # warm-up
                times = timed(lambda body=body: http("POST", f"{base}/execute", body), ROUNDS)
                time.sleep(0.5)
                row(f"hello over HTTP, publish {str(publish).lower()}", times, bare)


if __name__ == "__main__":
    main()
