# subprocess.Popen with pipes: communicate input, a pipeline of two processes.
import subprocess
import sys


def main():
    upper = subprocess.Popen(
        [sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = upper.communicate("pipe me")
    first = subprocess.Popen(
        [sys.executable, "-c", "print('\\n'.join(map(str, range(5))))"], stdout=subprocess.PIPE
    )
    second = subprocess.Popen(
        [sys.executable, "-c", "import sys; print(sum(map(int, sys.stdin)))"],
        stdin=first.stdout,
        stdout=subprocess.PIPE,
        text=True,
    )
    first.stdout.close()
    total, _ = second.communicate()
    first.wait()
    return {
        "upper": out,
        "total": total,
        "codes": [upper.returncode, first.returncode, second.returncode],
    }
