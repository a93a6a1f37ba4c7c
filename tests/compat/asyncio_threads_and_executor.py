# asyncio.to_thread and run_in_executor, and call_soon_threadsafe from another thread.
import asyncio
import threading


def blocking(value):
    return value * 2


async def run():
    loop = asyncio.get_running_loop()
    direct = await asyncio.to_thread(blocking, 21)
    executor = await loop.run_in_executor(None, blocking, 50)
    future = loop.create_future()
    threading.Thread(target=lambda: loop.call_soon_threadsafe(future.set_result, "woken")).start()
    return {"to_thread": direct, "executor": executor, "threadsafe": await future}


def main():
    return asyncio.run(run())
