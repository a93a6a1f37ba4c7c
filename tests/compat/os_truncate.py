# os.truncate by path and os.ftruncate by descriptor, shrinking and growing a file.
import os
import tempfile


def main():
    fd, path = tempfile.mkstemp()
    os.write(fd, b"0123456789" * 10)
    os.ftruncate(fd, 50)
    after_ftruncate = os.fstat(fd).st_size
    os.close(fd)
    os.truncate(path, 10)
    after_truncate = os.path.getsize(path)
    os.truncate(path, 20)
    with open(path, "rb") as handle:
        data = handle.read()
    return {"ftruncate": after_ftruncate, "truncate": after_truncate, "data": data.hex()}
