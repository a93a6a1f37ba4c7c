# asyncio.create_subprocess_exec of the interpreter, with its output read through pipes.
import asyncio
import sys


async def run():
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; print(sys.stdin.read().upper()); sys.exit(3)",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(b"shout")
    return {"stdout": out.decode(), "stderr": err.decode(), "returncode": process.returncode}


def main():
    return asyncio.run(run())
