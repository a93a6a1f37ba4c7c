# os.nice and os.getpriority: the niceness read, then raised by one (lowering needs privilege).
import os


def main():
    start = os.getpriority(os.PRIO_PROCESS, 0)
    after = os.nice(1)
    return {
        "start": start,
        "after_nice": after,
        "read_back": os.getpriority(os.PRIO_PROCESS, 0),
        "nice_zero": os.nice(0),
    }
