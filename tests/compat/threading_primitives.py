# threading: threads with a Lock, an Event, a Condition, a Barrier, a Semaphore and a Timer.
import threading


def main():
    counter = {"value": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(4)
    semaphore = threading.BoundedSemaphore(2)
    started = threading.Event()
    condition = threading.Condition()
    ready = []

    def work():
        barrier.wait()
        with semaphore:
            for _ in range(1000):
                with lock:
                    counter["value"] += 1
        with condition:
            ready.append(1)
            condition.notify_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    with condition:
        condition.wait_for(lambda: len(ready) == 4, timeout=10)
    for thread in threads:
        thread.join()
    timer = threading.Timer(0.01, started.set)
    timer.start()
    fired = started.wait(5)
    timer.join()
    return {"counter": counter["value"], "ready": len(ready), "timer": fired}
