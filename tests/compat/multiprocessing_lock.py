# multiprocessing.Lock guarding a file that forked processes append to.
import multiprocessing
import os
import tempfile


def append(lock, path, index):
    with lock:
        with open(path, "a") as handle:
            handle.write(f"{index}\n")


def main():
    context = multiprocessing.get_context("fork")
    lock = context.Lock()
    path = os.path.join(tempfile.mkdtemp(), "log")
    processes = [context.Process(target=append, args=(lock, path, i)) for i in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    with open(path) as handle:
        lines = sorted(handle.read().split())
    return {"lines": lines, "codes": [p.exitcode for p in processes]}
