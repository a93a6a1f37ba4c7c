"""Latency of the API as a client sees it, against a running server (`make run`).

    .venv/bin/python benchmarks/api_latency.py [http://127.0.0.1:8080]

Sends N (default 20) sequential requests of each kind and prints the median and p90.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import urllib.request

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
SCRIPTS = {
    "hello world": 'def main():\n    print("hello")\n    return {"status": "ok"}\n',
    "import pandas": "import pandas\ndef main():\n    return pandas.__version__\n",
}


def post(url: str, script: str) -> None:
    body = json.dumps({"script": script}).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200, response.status
        response.read()


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
    print(f"{'POST /execute':24} {'median ms':>10} {'p90 ms':>10}   ({RUNS} runs, {base})")
    for name, script in SCRIPTS.items():
        samples = []
        for _ in range(RUNS):
            start = time.perf_counter()
            post(f"{base}/execute", script)
            samples.append((time.perf_counter() - start) * 1000)
        p90 = statistics.quantiles(samples, n=10)[-1]
        print(f"{name:24} {statistics.median(samples):10.1f} {p90:10.1f}")


if __name__ == "__main__":
    main()
