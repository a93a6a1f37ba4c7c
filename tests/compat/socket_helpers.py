# socket helpers that never touch the network: names, numbers, byte order, addresses.
import socket


def main():
    return {
        "htons": socket.htons(1),
        "inet_aton": socket.inet_aton("10.1.2.3").hex(),
        "inet_pton6": socket.inet_pton(socket.AF_INET6, "::1").hex(),
        "hostname_is_text": isinstance(socket.gethostname(), str),
        "has_ipv6": socket.has_ipv6,
        "default_timeout": socket.getdefaulttimeout(),
    }
