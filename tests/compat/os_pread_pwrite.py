# os.pread, os.pwrite, os.readv, os.writev and os.lseek on one file.
import os
import tempfile


def main():
    fd, _ = tempfile.mkstemp()
    os.writev(fd, [b"hello ", b"vectored ", b"world"])
    os.pwrite(fd, b"HELLO", 0)
    at_six = os.pread(fd, 8, 6)
    os.lseek(fd, 0, os.SEEK_SET)
    first, second = bytearray(5), bytearray(15)
    count = os.readv(fd, [first, second])
    end = os.lseek(fd, 0, os.SEEK_END)
    os.close(fd)
    return {
        "at_six": at_six.decode(),
        "readv": [count, first.decode(), second.decode()],
        "end": end,
    }
