# multiprocessing.shared_memory: a block written by a child, read by the parent, unlinked.
import multiprocessing
from multiprocessing import shared_memory


def fill(name):
    block = shared_memory.SharedMemory(name=name)
    block.buf[:5] = b"hello"
    block.close()


def main():
    block = shared_memory.SharedMemory(create=True, size=1024)
    try:
        process = multiprocessing.get_context("fork").Process(target=fill, args=(block.name,))
        process.start()
        process.join(30)
        data = bytes(block.buf[:5]).decode()
    finally:
        block.close()
        block.unlink()
    return {"data": data, "size_at_least": block.size >= 1024}
