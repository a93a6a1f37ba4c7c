# asyncio: tasks, timeouts, queues, a subprocess-free event loop, and an in-process stream.
import asyncio
import socket


async def producer(queue):
    for i in range(50):
        await queue.put(i)
        await asyncio.sleep(0)
    await queue.put(None)


async def consumer(queue):
    total = 0
    while (item := await queue.get()) is not None:
        total += item
    return total


async def run():
    queue = asyncio.Queue(maxsize=5)
    _, total = await asyncio.gather(producer(queue), consumer(queue))
    try:
        await asyncio.wait_for(asyncio.sleep(10), timeout=0.05)
        timed_out = False
    except TimeoutError:
        timed_out = True
    left, right = socket.socketpair()
    reader, writer = await asyncio.open_connection(sock=left)
    right.sendall(b"ping\n")
    line = await reader.readline()
    writer.close()
    right.close()
    results = await asyncio.gather(*(asyncio.sleep(0.01, result=i) for i in range(10)))
    return {
        "total": total,
        "timed_out": timed_out,
        "line": line.decode().strip(),
        "results": sum(results),
    }


def main():
    return asyncio.run(run())
