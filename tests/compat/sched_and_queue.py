# sched with real delays, queue.PriorityQueue between threads.
import queue
import sched
import threading
import time


def main():
    order = []
    scheduler = sched.scheduler(time.monotonic, time.sleep)
    for delay, name in ((0.03, "third"), (0.01, "first"), (0.02, "second")):
        scheduler.enter(delay, 1, order.append, (name,))
    scheduler.run()
    jobs = queue.PriorityQueue()
    for priority in (5, 1, 3):
        jobs.put((priority, f"job{priority}"))
    done = []
    worker = threading.Thread(target=lambda: [done.append(jobs.get()[1]) for _ in range(3)])
    worker.start()
    worker.join()
    return {"order": order, "done": done}
