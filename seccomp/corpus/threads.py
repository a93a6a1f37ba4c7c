# Threads: a pool, a queue, locks, events, and numpy releasing the GIL.
import concurrent.futures
import queue
import threading

import numpy as np


def work(n):
    return int(np.arange(n, dtype=np.int64).sum())


def main():
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        sums = list(pool.map(work, [10, 100, 1000, 10000]))
    jobs, done = queue.Queue(), []
    lock, finished = threading.Lock(), threading.Event()

    def consumer():
        while (item := jobs.get()) is not None:
            with lock:
                done.append(item * item)
        finished.set()

    thread = threading.Thread(target=consumer, name="consumer")
    thread.start()
    for i in range(100):
        jobs.put(i)
    jobs.put(None)
    thread.join(timeout=10)
    timer = threading.Timer(0.01, lambda: None)
    timer.start()
    timer.join()
    local = threading.local()
    local.value = 1
    return {
        "sums": sums,
        "squares": sum(done),
        "finished": finished.is_set(),
        "threads": threading.active_count(),
    }
