# socket.send_fds and recv_fds: a file descriptor passed over a socketpair.
import os
import socket
import tempfile


def main():
    left, right = socket.socketpair()
    with tempfile.TemporaryFile() as handle:
        handle.write(b"passed along")
        handle.flush()
        socket.send_fds(left, [b"fd"], [handle.fileno()])
        message, fds, _, _ = socket.recv_fds(right, 10, 1)
        os.lseek(fds[0], 0, os.SEEK_SET)
        data = os.read(fds[0], 100)
    return {"message": message.decode(), "count": len(fds), "data": data.decode()}
