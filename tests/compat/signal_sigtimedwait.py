# sigtimedwait with a signal already pending, and sigwaitinfo's siginfo.
import os
import signal


def main():
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
    os.kill(os.getpid(), signal.SIGUSR2)
    info = signal.sigtimedwait({signal.SIGUSR2}, 1.0)
    nothing = signal.sigtimedwait({signal.SIGUSR2}, 0.05)
    return {
        "signo": signal.Signals(info.si_signo).name,
        "from_me": info.si_pid == os.getpid(),
        "nothing_pending": nothing is None,
    }
