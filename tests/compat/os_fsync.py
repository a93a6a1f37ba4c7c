# os.fsync and os.fdatasync after writes, then a read back.
import os
import tempfile


def main():
    fd, path = tempfile.mkstemp()
    os.write(fd, b"durable" * 100)
    os.fsync(fd)
    os.write(fd, b"!")
    os.fdatasync(fd)
    os.close(fd)
    with open(path, "rb") as handle:
        handle.flush()
        data = handle.read()
    return {"size": len(data), "last": data[-1:].decode()}
