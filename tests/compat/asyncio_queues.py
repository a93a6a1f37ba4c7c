# asyncio.Queue between producers and consumers; an Event and a Lock.
import asyncio


async def run():
    queue = asyncio.Queue(maxsize=3)
    done = asyncio.Event()
    lock = asyncio.Lock()
    consumed = []

    async def producer(start):
        for value in range(start, start + 5):
            await queue.put(value)

    async def consumer():
        while True:
            value = await queue.get()
            async with lock:
                consumed.append(value)
            queue.task_done()

    workers = [asyncio.create_task(consumer()) for _ in range(2)]
    await asyncio.gather(producer(0), producer(100))
    await queue.join()
    done.set()
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return {"consumed": sorted(consumed), "event": done.is_set()}


def main():
    return asyncio.run(run())
