# async def main(): the coroutine is run to its end, as asyncio.run(main()) would.
import asyncio


async def main():
    await asyncio.sleep(0.01)
    results = await asyncio.gather(*(asyncio.sleep(0, result=i) for i in range(3)))
    return {"results": results, "running": asyncio.get_running_loop().is_running()}
