# select.poll and select.epoll on a pipe: POLLIN once written, POLLHUP once closed.
import os
import select


def main():
    read_end, write_end = os.pipe()
    poller = select.poll()
    poller.register(read_end, select.POLLIN)
    empty = poller.poll(0)
    os.write(write_end, b"y")
    ready = [bool(mask & select.POLLIN) for _, mask in poller.poll(1000)]
    epoll = select.epoll()
    epoll.register(read_end, select.EPOLLIN)
    epoll_ready = len(epoll.poll(1))
    os.read(read_end, 1)
    os.close(write_end)
    hangup = [bool(mask & select.POLLHUP) for _, mask in poller.poll(1000)]
    epoll.close()
    return {"empty": empty, "ready": ready, "epoll": epoll_ready, "hangup": hangup}
