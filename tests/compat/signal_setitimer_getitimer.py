# setitimer and getitimer: a repeating real-time timer counted by a handler.
import signal
import time


def main():
    ticks = []
    signal.signal(signal.SIGALRM, lambda signum, frame: ticks.append(signum))
    signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
    current = signal.getitimer(signal.ITIMER_REAL)
    deadline = time.monotonic() + 5
    while len(ticks) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    signal.setitimer(signal.ITIMER_REAL, 0)
    return {
        "ticks_at_least_3": len(ticks) >= 3,
        "interval": round(current[1], 2),
        "stopped": signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0),
    }
