# os.utime: explicit times (seconds and nanoseconds), then "now".
import os
import tempfile
import time


def main():
    fd, path = tempfile.mkstemp()
    os.close(fd)
    os.utime(path, (1_600_000_000, 1_700_000_000))
    info = os.stat(path)
    explicit = [int(info.st_atime), int(info.st_mtime)]
    os.utime(path, ns=(1_500_000_000_123_456_789, 1_500_000_000_987_654_321))
    nanoseconds = os.stat(path).st_mtime_ns
    before = time.time() - 5
    os.utime(path)
    return {"explicit": explicit, "ns": nanoseconds, "now": os.stat(path).st_mtime >= before}
