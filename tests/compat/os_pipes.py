# os.pipe and os.pipe2: blocking and non-blocking reads, end of file, close-on-exec.
import os


def main():
    read_end, write_end = os.pipe()
    os.write(write_end, b"through the pipe")
    first = os.read(read_end, 100)
    os.set_blocking(read_end, False)
    try:
        os.read(read_end, 100)
        empty = "read"
    except BlockingIOError:
        empty = "BlockingIOError"
    os.close(write_end)
    at_end = os.read(read_end, 100)
    flagged_r, flagged_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    return {
        "first": first.decode(),
        "empty": empty,
        "at_end": at_end.decode(),
        "pipe2_blocking": os.get_blocking(flagged_r),
        "pipe2_inheritable": os.get_inheritable(flagged_w),
    }
