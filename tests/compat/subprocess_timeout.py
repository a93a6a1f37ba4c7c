# subprocess.run with a timeout: the child is killed and TimeoutExpired raised.
import subprocess
import sys


def main():
    try:
        subprocess.run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
        outcome = "finished"
    except subprocess.TimeoutExpired as exc:
        outcome = f"TimeoutExpired: {exc.cmd[1:]}"
    return {"outcome": outcome}
