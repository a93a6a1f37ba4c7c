# Timers and signal handlers a script may use to bound its own work.
import os
import signal
import time


def main():
    fired = []
    signal.signal(signal.SIGALRM, lambda *_: fired.append("alarm"))
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    time.sleep(0.2)
    signal.signal(signal.SIGUSR1, lambda *_: fired.append("usr1"))
    os.kill(os.getpid(), signal.SIGUSR1)
    signal.alarm(0)
    start = time.perf_counter()
    time.sleep(0.01)
    return {
        "fired": fired,
        "slept": time.perf_counter() - start >= 0.01,
        "times": os.times().elapsed > 0,
        "resource": __import__("resource").getrusage(__import__("resource").RUSAGE_SELF).ru_maxrss
        > 0,
    }
