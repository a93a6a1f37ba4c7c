# asyncio streams over a socketpair: open_connection(sock=...) both ways.
import asyncio
import socket


async def run():
    left, right = socket.socketpair()
    reader_a, writer_a = await asyncio.open_connection(sock=left)
    reader_b, writer_b = await asyncio.open_connection(sock=right)
    writer_a.write(b"hello over asyncio\n")
    await writer_a.drain()
    line = await reader_b.readline()
    writer_b.write(b"reply\n")
    await writer_b.drain()
    reply = await reader_a.readline()
    for writer in (writer_a, writer_b):
        writer.close()
        await writer.wait_closed()
    return {"line": line.decode(), "reply": reply.decode()}


def main():
    return asyncio.run(run())
