"""Execution latency of this host's isolation profile, next to a bare interpreter start.

    make bench        # the namespaces profile here, then the gvisor profile under runsc

Prints the median and p90 of N runs (default 20) of: a bare `python3 -c pass`; `import pandas`
with the rootfs's interpreter in a plain chroot (no jail); a hello-world script in a jail; a
script that imports pandas in a jail. Times are wall time
as the caller of Sandbox.run() sees it, jail start-up and teardown included.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "function"))

from sandbox import Kind, Sandbox, Settings

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
HELLO = 'def main():\n    print("hello")\n    return {"status": "ok"}\n'
PANDAS = "import pandas\ndef main():\n    return pandas.__version__\n"


def timed(action) -> list[float]:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def jailed(sandbox: Sandbox, script: str):
    def action() -> None:
        outcome = sandbox.run(script)
        assert outcome.kind is Kind.OK, outcome

    return action


def main() -> None:
    sandbox = Sandbox(Settings.from_env())
    profile = sandbox.start()
    chroot = ["/usr/sbin/chroot", str(sandbox.settings.rootfs), "/usr/bin/python3", "-c"]
    rows = {
        "python3 -c pass (bare, no jail)": timed(
            lambda: subprocess.run([sys.executable, "-c", "pass"], check=True)
        ),
        "import pandas (rootfs, chroot, no jail)": timed(
            lambda: subprocess.run([*chroot, "import pandas"], check=True)
        ),
        f"hello world ({profile.value})": timed(jailed(sandbox, HELLO)),
        f"import pandas ({profile.value})": timed(jailed(sandbox, PANDAS)),
    }
    print(f"{'':40} {'median ms':>10} {'p90 ms':>10}   ({RUNS} runs)")
    for name, samples in rows.items():
        p90 = statistics.quantiles(samples, n=10)[-1]
        print(f"{name:40} {statistics.median(samples):10.1f} {p90:10.1f}")


if __name__ == "__main__":
    main()
