# subprocess with an explicit environment and working directory.
import os
import subprocess
import sys
import tempfile


def main():
    folder = tempfile.mkdtemp()
    out = subprocess.check_output(
        [sys.executable, "-c", "import os; print(os.environ['GREETING'], os.getcwd())"],
        env={**os.environ, "GREETING": "hello"},
        cwd=folder,
        text=True,
    )
    greeting, cwd = out.split()
    return {"greeting": greeting, "cwd_is_folder": cwd == folder}
