# A semaphore released by a spawned process wakes the parent that waits on it.
# outcome[gvisor]: exception
import multiprocessing
import multiprocessing.synchronize
import time


def main():
    context = multiprocessing.get_context("spawn")
    semaphore = context.Semaphore(0)
    # SemLock.__exit__ is its release(), and a library function a spawned child can import.
    child = context.Process(
        target=multiprocessing.synchronize.SemLock.__exit__, args=(semaphore, None, None, None)
    )
    started = time.monotonic()
    child.start()
    woke = semaphore.acquire(timeout=5)
    prompt = time.monotonic() - started < 4
    child.join(10)
    return {
        "woke": woke,
        "prompt": prompt,
        "child": child.exitcode,
        "value_after": semaphore.get_value(),
    }
