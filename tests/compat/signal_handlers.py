# Signal handlers: installed, run by raise_signal and os.kill, restored; SIGINT's default.
import os
import signal


def main():
    seen = []
    signal.signal(signal.SIGUSR1, lambda signum, frame: seen.append("usr1"))
    signal.signal(signal.SIGTERM, lambda signum, frame: seen.append("term"))
    signal.raise_signal(signal.SIGUSR1)
    os.kill(os.getpid(), signal.SIGTERM)
    try:
        signal.raise_signal(signal.SIGINT)
        interrupted = False
    except KeyboardInterrupt:
        interrupted = True
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    return {
        "seen": seen,
        "keyboard_interrupt": interrupted,
        "handler_now": signal.getsignal(signal.SIGUSR1) == signal.SIG_DFL,
        "strsignal": signal.strsignal(signal.SIGTERM),
        "valid": len(signal.valid_signals()) > 30,
    }
