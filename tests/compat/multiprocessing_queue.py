# multiprocessing.Queue between a parent and a forked worker.
import multiprocessing


def worker(inbox, outbox):
    for item in iter(inbox.get, None):
        outbox.put(item * 10)


def main():
    context = multiprocessing.get_context("fork")
    inbox, outbox = context.Queue(), context.Queue()
    process = context.Process(target=worker, args=(inbox, outbox))
    process.start()
    for value in range(5):
        inbox.put(value)
    inbox.put(None)
    results = [outbox.get(timeout=30) for _ in range(5)]
    process.join(30)
    return {"results": results, "exitcode": process.exitcode}
