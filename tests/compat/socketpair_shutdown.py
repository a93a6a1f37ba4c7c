# socketpair: shutdown(SHUT_WR) gives the other end an end of file.
import socket


def main():
    left, right = socket.socketpair()
    left.sendall(b"last words")
    left.shutdown(socket.SHUT_WR)
    chunks = []
    while chunk := right.recv(100):
        chunks.append(chunk)
    right.sendall(b"still open this way")
    return {"received": b"".join(chunks).decode(), "reverse": left.recv(100).decode()}
