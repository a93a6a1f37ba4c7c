# A child killed by the default action of SIGUSR1, and one that ignores SIGTERM.
import os
import signal
import time


def main():
    endings = {}
    for name, ignore in (("SIGUSR1", False), ("SIGTERM", True)):
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:
            signal.signal(signal.SIGUSR1, signal.SIG_DFL)
            if ignore:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            os.write(write_end, b"r")
            time.sleep(0.5)
            os._exit(5)
        os.read(read_end, 1)
        os.kill(child, getattr(signal, name))
        _, status = os.waitpid(child, 0)
        endings[name] = (
            signal.Signals(os.WTERMSIG(status)).name
            if os.WIFSIGNALED(status)
            else os.waitstatus_to_exitcode(status)
        )
    return endings
