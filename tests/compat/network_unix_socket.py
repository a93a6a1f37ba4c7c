# An AF_UNIX socket server in the temporary folder that the script connects to itself.
# outcome[gvisor]: exception
import os
import socket
import tempfile


def main():
    path = os.path.join(tempfile.mkdtemp(), "control.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    peer, _ = server.accept()
    client.sendall(b"over a unix socket")
    return peer.recv(100).decode()
