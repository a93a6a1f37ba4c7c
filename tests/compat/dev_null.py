# /dev/null: written to, read from (empty), and used as a subprocess's output.
import os
import subprocess
import sys


def main():
    with open("/dev/null", "w") as sink:
        written = sink.write("discarded")
    with open("/dev/null", "rb") as source:
        read = source.read()
    with open(os.devnull, "w") as sink:
        code = subprocess.call([sys.executable, "-c", "print('x')"], stdout=sink)
    return {"written": written, "read": read.decode(), "devnull": os.devnull, "code": code}
