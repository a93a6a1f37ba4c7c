# A child process killed by a signal: a negative returncode; send_signal and kill.
import signal
import subprocess
import sys


def main():
    codes = {}
    for name in ("SIGTERM", "SIGKILL", "SIGINT"):
        child = subprocess.Popen(
            [sys.executable, "-c", "import time, sys; print('up', flush=True); time.sleep(30)"],
            stdout=subprocess.PIPE,
        )
        child.stdout.readline()
        child.send_signal(getattr(signal, name))
        codes[name] = child.wait(30)
        child.stdout.close()
    return codes
