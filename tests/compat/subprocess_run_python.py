# subprocess.run of sys.executable -c: output captured as text, exit code, check=True.
import subprocess
import sys


def main():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "print('child says hi'); import sys; print('to stderr', file=sys.stderr)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    failed = subprocess.run([sys.executable, "-c", "raise SystemExit(9)"])
    try:
        subprocess.run([sys.executable, "-c", "raise SystemExit(2)"], check=True)
        error = None
    except subprocess.CalledProcessError as exc:
        error = exc.returncode
    return {
        "stdout": done.stdout,
        "stderr": done.stderr,
        "failed": failed.returncode,
        "check": error,
    }
