# socket.socketpair: send and recv both ways, sendall of a large buffer, makefile.
import socket
import threading


def main():
    left, right = socket.socketpair()
    left.send(b"ping")
    got = right.recv(4)
    right.sendall(b"pong")
    back = left.recv(4)
    big = b"z" * 1_000_000
    received = bytearray()

    def drain():
        while len(received) < len(big):
            received.extend(right.recv(65536))

    reader = threading.Thread(target=drain)
    reader.start()
    left.sendall(big)
    reader.join()
    writer = left.makefile("w")
    writer.write("line\n")
    writer.flush()
    line = right.makefile("r").readline()
    return {
        "got": got.decode(),
        "back": back.decode(),
        "big": len(received),
        "line": line,
        "family": left.family.name,
        "type": left.type.name,
    }
