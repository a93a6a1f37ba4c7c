# pthread_sigmask and sigpending: a blocked signal waits until it is unblocked.
import os
import signal


def main():
    received = []
    signal.signal(signal.SIGUSR1, lambda signum, frame: received.append(signum))
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    os.kill(os.getpid(), signal.SIGUSR1)
    pending = sorted(s.name for s in signal.sigpending())
    before = list(received)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
    return {"pending": pending, "before_unblock": before, "after_unblock": len(received)}
