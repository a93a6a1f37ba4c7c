# socketpair: getsockopt and setsockopt, timeouts and non-blocking mode.
import socket


def main():
    left, right = socket.socketpair()
    kind = left.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)
    error = left.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    left.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    left.settimeout(0.05)
    try:
        left.recv(1)
        timed_out = False
    except TimeoutError:
        timed_out = True
    right.setblocking(False)
    try:
        right.recv(1)
        blocking = "read"
    except BlockingIOError:
        blocking = "BlockingIOError"
    return {
        "type": socket.SocketKind(kind).name,
        "error": error,
        "timed_out": timed_out,
        "blocking": blocking,
        "sndbuf_positive": left.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) > 0,
    }
