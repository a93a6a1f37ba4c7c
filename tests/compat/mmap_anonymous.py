# An anonymous mmap shared with a forked child.
import mmap
import os


def main():
    shared = mmap.mmap(-1, 4096)
    child = os.fork()
    if child == 0:
        shared[:13] = b"from the kid!"
        os._exit(0)
    os.waitpid(child, 0)
    return {"read": shared[:13].decode(), "length": len(shared)}
