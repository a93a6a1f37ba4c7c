# mmap of a file in the temporary folder: written through the map, flushed, read back.
import mmap
import os
import tempfile


def main():
    fd, path = tempfile.mkstemp()
    os.write(fd, b"\x00" * 4096)
    with mmap.mmap(fd, 4096) as mapped:
        mapped[0:5] = b"hello"
        mapped.seek(100)
        mapped.write(b"world")
        mapped.flush()
        found = mapped.find(b"world")
    os.close(fd)
    with open(path, "rb") as handle:
        data = handle.read()
    return {"start": data[:5].decode(), "found": found, "at_100": data[100:105].decode()}
