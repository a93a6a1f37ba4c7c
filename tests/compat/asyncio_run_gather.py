# asyncio.run with gather, wait_for, a timeout and a cancelled task.
import asyncio


async def square(value, delay):
    await asyncio.sleep(delay)
    return value * value


async def run():
    results = await asyncio.gather(*(square(i, 0.01 * (5 - i)) for i in range(5)))
    try:
        await asyncio.wait_for(asyncio.sleep(10), timeout=0.05)
        timed_out = False
    except TimeoutError:
        timed_out = True
    task = asyncio.create_task(asyncio.sleep(10))
    await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return {"results": results, "timed_out": timed_out, "cancelled": task.cancelled()}


def main():
    return asyncio.run(run())
