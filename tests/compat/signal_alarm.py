# signal.alarm: a handler that raises ends a sleep; alarm(0) returns what was left.
import signal
import time


class Rang(Exception):
    pass


def main():
    def ring(signum, frame):
        raise Rang(signal.Signals(signum).name)

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(30)
    left = signal.alarm(0)
    signal.alarm(1)
    try:
        time.sleep(5)
        outcome = "slept"
    except Rang as exc:
        outcome = str(exc)
    signal.signal(signal.SIGALRM, previous)
    return {"left": left, "outcome": outcome}
