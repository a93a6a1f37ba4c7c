# multiprocessing.Process: exit codes, join, is_alive, terminate.
import multiprocessing
import sys
import time


def finish(code):
    sys.exit(code)


def main():
    context = multiprocessing.get_context("fork")
    finished = context.Process(target=finish, args=(4,))
    finished.start()
    finished.join(30)
    sleeper = context.Process(target=time.sleep, args=(30,))
    sleeper.start()
    sleeper.terminate()
    sleeper.join(30)
    return {
        "exitcode": finished.exitcode,
        "terminated": sleeper.exitcode,
        "alive": sleeper.is_alive(),
    }
