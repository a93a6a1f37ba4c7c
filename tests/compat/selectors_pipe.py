# selectors.DefaultSelector (epoll) over several pipes, with data on some of them.
import os
import selectors


def main():
    selector = selectors.DefaultSelector()
    pipes = [os.pipe() for _ in range(4)]
    for index, (read_end, _) in enumerate(pipes):
        selector.register(read_end, selectors.EVENT_READ, data=index)
    for index in (1, 3):
        os.write(pipes[index][1], b"data")
    ready = sorted(key.data for key, _ in selector.select(timeout=1))
    selector.close()
    return {"kind": type(selector).__name__, "ready": ready}
