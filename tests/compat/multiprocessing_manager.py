# multiprocessing.Manager: a shared dict and list served by a manager process.
# outcome[gvisor]: exception
import multiprocessing


def record(shared, items, index):
    shared[index] = index * 2
    items.append(index)


def main():
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        shared, items = manager.dict(), manager.list()
        processes = [context.Process(target=record, args=(shared, items, i)) for i in range(3)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(30)
        return {"shared": dict(sorted(shared.items())), "items": sorted(items)}
