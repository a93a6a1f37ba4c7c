# subprocess with DEVNULL for stdin, stdout and stderr.
import subprocess
import sys


def main():
    code = subprocess.call(
        [
            sys.executable,
            "-c",
            "import sys; sys.stdout.write(sys.stdin.read()); print('noise', file=sys.stderr)",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return {"returncode": code}
