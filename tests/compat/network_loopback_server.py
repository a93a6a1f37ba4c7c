# A TCP server on the loopback interface that the script connects to itself.
# outcome: exception
import socket


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=2)
    peer, _ = server.accept()
    client.sendall(b"over loopback")
    return peer.recv(100).decode()
