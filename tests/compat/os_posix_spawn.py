# os.posix_spawn of the interpreter, waited for with os.waitpid.
import os
import sys


def main():
    pid = os.posix_spawn(
        sys.executable, [sys.executable, "-c", "raise SystemExit(7)"], {"PATH": "/usr/bin"}
    )
    _, status = os.waitpid(pid, 0)
    return {"exit_code": os.waitstatus_to_exitcode(status)}
