# os.fork and waitpid: exit codes of children, and a child killed by SIGTERM.
import os
import signal
import time


def main():
    codes = []
    for code in (0, 3, 42):
        child = os.fork()
        if child == 0:
            os._exit(code)
        _, status = os.waitpid(child, 0)
        codes.append(os.waitstatus_to_exitcode(status))
    sleeper = os.fork()
    if sleeper == 0:
        time.sleep(30)
        os._exit(0)
    os.kill(sleeper, signal.SIGTERM)
    _, status = os.waitpid(sleeper, 0)
    return {"codes": codes, "terminated_by": signal.Signals(os.WTERMSIG(status)).name}
