# subprocess.Popen(start_new_session=True): the child leads a new session.
import subprocess
import sys


def main():
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getsid(0) == os.getpid())"],
        start_new_session=True,
        capture_output=True,
        text=True,
    )
    return {"stdout": child.stdout, "returncode": child.returncode}
