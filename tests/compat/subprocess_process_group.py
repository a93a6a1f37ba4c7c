# subprocess.Popen(process_group=0): the child leads a new process group.
import os
import subprocess
import sys


def main():
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpgrp() == os.getpid())"],
        process_group=0,
        capture_output=True,
        text=True,
    )
    return {
        "stdout": child.stdout,
        "returncode": child.returncode,
        "mine_unchanged": os.getpgrp() == os.getpid(),
    }
