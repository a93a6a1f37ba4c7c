"""Clients the server cannot trust to speak HTTP well, send in time or read what they asked for,
over real sockets to the server `make run` starts (function/server.py). Each gets a JSON
answer in the documented shape, or loses its connection, in a bounded time; nobody else waits.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from helpers import http, serve, strict_json

#: The servers' client timeout here (PYEXEC_CLIENT_TIMEOUT_S); the product's default is 30 s.
TIMEOUT_S = 2
BIG_OUTPUT = {
    "script": "import sys\ndef main():\n"
    "    sys.stdout.write('\\x01' * (8 << 20))\n    sys.stderr.write('\\x01' * (8 << 20))\n",
    "limits": {"max_output_bytes": 8 << 20},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("clients") / "server.log"
    env = {"PYEXEC_SLOTS": "2", "PYEXEC_QUEUE": "2", "PYEXEC_CLIENT_TIMEOUT_S": str(TIMEOUT_S)}
    with serve(log_path, **env) as (base, _):
        yield base


def connect(base: str, receive_buffer: int | None = None) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket()
    if receive_buffer is not None:  # Before connecting, so that the window stays small.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(30)
    sock.connect((host, int(port)))
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (or resets) the connection."""
    data = bytearray()
    try:
        while chunk := sock.recv(1 << 20):
            data += chunk
    except ConnectionResetError:
        pass
    return bytes(data)


def answer(raw: bytes) -> tuple[int, dict[str, str], dict]:
    """The status, headers and strict-JSON body of one whole HTTP response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Content-Type"] == "application/json", raw[:300]
    assert len(body) == int(headers["Content-Length"]), raw[:300]
    document = strict_json(body)
    assert document["execution_id"] == headers["X-Execution-Id"]
    return int(lines[0].split()[1]), headers, document


def trickle(sock: socket.socket, data: bytes, every_s: float = 0.25) -> threading.Thread:
    """Send ``data`` a byte at a time in the background, until it is sent or refused."""

    def send() -> None:
        try:
            for byte in data:
                sock.sendall(bytes([byte]))
                time.sleep(every_s)
        except OSError:
            pass

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


HEAD = b"POST /execute HTTP/1.1\r\nHost: pyexec\r\nContent-Type: application/json\r\n"
REFUSED = [
    # (name, request, status, code)
    ("request line of 9,000 bytes", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", 414,
     "uri_too_long"),
    ("a header of 9,000 bytes", b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
     431, "headers_too_large"),
    ("101 headers", b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(101))
     + b"\r\n", 431, "headers_too_large"),
    ("not a request line", b"GARBAGE\r\n\r\n", 400, "invalid_http"),
    ("HTTP/9.9", b"GET /healthz HTTP/9.9\r\n\r\n", 400, "invalid_http"),
    ("a header without a colon", b"GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n", 400,
     "invalid_http"),
    ("a bad chunk size", HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "invalid_http"),
    ("an unknown transfer coding", HEAD + b"Transfer-Encoding: gzip\r\n\r\n", 400, "invalid_http"),
    ("GET /robots.txt", b"GET /robots.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404,
     "not_found"),
    ("POST /favicon.ico", HEAD + b"Content-Length: 2\r\nConnection: close\r\n\r\n{}", 404,
     "not_found"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "status", "code"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_what_the_http_server_refuses_is_answered_in_json(server, data, status, code):
    if code == "not_found":
        data = data.replace(b"/execute", b"/favicon.ico")
    with connect(server) as sock:
        sock.sendall(data)
        got_status, _, document = answer(read_all(sock))
    assert (got_status, document["error"]["code"]) == (status, code), document
    assert document["error"]["message"]


def test_a_bad_chunk_left_unread_closes_the_connection_after_the_one_answer(server):
    """/healthz never reads a body: gunicorn's drain then finds the bad chunk, after the 200
    went out. The connection closes; no second, unasked-for answer follows."""
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"zz\r\n")  # fmt: skip
        raw = read_all(sock)
    assert raw.startswith(b"HTTP/1.1 200 ") and raw.count(b"HTTP/1.1 ") == 1, raw


def test_an_8_mib_request_line_is_refused_after_its_first_8190_bytes(server):
    """gunicorn parses a request line in quadratic time; functions-framework's CLI lifts the
    limit, function/server.py keeps it."""
    with connect(server) as sock:
        sender = threading.Thread(
            target=lambda: _ignore_oserror(sock.sendall, b"GET /" + b"a" * (8 << 20)), daemon=True
        )
        sender.start()
        status, _, document = answer(read_all(sock))
    assert (status, document["error"]["code"]) == (414, "uri_too_long")
    assert http("GET", f"{server}/healthz")[0] == 200


def _ignore_oserror(send, data: bytes) -> None:
    try:
        send(data)
    except OSError:
        pass


def test_a_head_that_trickles_in_gets_408(server):
    with connect(server) as sock:
        trickle(sock, b"Host: pyexec\r\nContent-Type: application/json\r\n" * 100, every_s=0.1)
        sock.sendall(b"POST /execute HTTP/1.1\r\n")
        status, _, document = answer(read_all(sock))
    assert (status, document["error"]["code"]) == (408, "request_timeout")
    assert "line and headers" in document["error"]["message"]


@pytest.mark.parametrize(
    ("framing", "body"),
    [
        (b"Content-Length: 1000\r\n", b'{"script": "' + b"#" * 990),
        (b"Transfer-Encoding: chunked\r\n", b"1\r\n{\r\n" * 200),
    ],
    ids=["by Content-Length", "chunked"],
)
def test_a_body_that_trickles_in_gets_408(server, framing, body):
    with connect(server) as sock:
        sock.sendall(HEAD + framing + b"\r\n")
        trickle(sock, body, every_s=0.05)
        status, _, document = answer(read_all(sock))
    assert (status, document["error"]["code"]) == (408, "request_timeout")
    assert "body" in document["error"]["message"]


def test_a_client_that_does_not_read_loses_its_response_after_the_timeout(server):
    request = json.dumps(BIG_OUTPUT).encode()
    with connect(server, receive_buffer=4096) as sock:
        sock.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(request) + request)
        sock.recv(1, socket.MSG_PEEK)  # The response has begun, and with it its deadline.
        time.sleep(TIMEOUT_S + 2)
        raw = read_all(sock)
    head, _, body = raw.partition(b"\r\n\r\n")
    length = int(next(ln for ln in head.split(b"\r\n") if ln.startswith(b"Content-Length")
                      ).split(b": ")[1])  # fmt: skip
    assert 0 < len(body) < length  # The server gave up sending: the connection was shut.
    assert http("GET", f"{server}/healthz")[0] == 200


def test_a_dozen_slow_clients_do_not_stall_health_checks_or_executions(tmp_path):
    """Four do not read an 8 MiB response, then four trickle their heads and four their
    bodies; with the default threads, /healthz and executions answer while all twelve are
    still held."""
    timeout_s = 20  # Long enough for every other request to finish first, whatever the load.
    with serve(tmp_path / "server.log", PYEXEC_SLOTS="2", PYEXEC_QUEUE="2",
               PYEXEC_CLIENT_TIMEOUT_S=str(timeout_s)) as (base, _):  # fmt: skip
        held: list[str] = []
        finished: list[float] = []
        clients = []
        for kinds in (["reader"] * 4, ["head", "body"] * 4):  # Readers first: they execute.
            for kind in kinds:
                clients.append(threading.Thread(
                    target=_slow_client, args=(base, kind, timeout_s, held, finished)
                ))  # fmt: skip
                clients[-1].start()
            deadline = time.monotonic() + 120
            while len(held) < len(clients) and time.monotonic() < deadline:
                time.sleep(0.05)
        assert len(held) == 12, held
        answered = []
        for _ in range(4):
            answered.append(http("GET", f"{base}/healthz")[0])
            status, _, document = http(
                "POST", f"{base}/execute", {"script": "def main():\n    return 6 * 7"}
            )
            answered.append(status)
            assert document.get("result") == 42, document
        done_at = time.monotonic()
        for client in clients:
            client.join(timeout=120)
        assert answered == [200] * 8
        assert len(finished) == 12 and min(finished) > done_at


def _slow_client(base: str, kind: str, timeout_s: float, held: list, finished: list) -> None:
    with connect(base, receive_buffer=4096 if kind == "reader" else None) as sock:
        if kind == "head":
            sock.sendall(b"POST /execute HTTP/1.1\r\n")
            trickle(sock, b"Host: pyexec\r\n" * 1000)
        elif kind == "body":
            sock.sendall(HEAD + b"Content-Length: 100000\r\n\r\n")
            trickle(sock, b'{"script": "' + b"#" * 99_000)
        else:
            request = json.dumps({
                "script": "import sys\ndef main():\n    sys.stdout.write('x' * (8 << 20))",
                "limits": {"max_output_bytes": 8 << 20},
            }).encode()  # fmt: skip
            sock.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(request) + request)
            sock.recv(1, socket.MSG_PEEK)  # Executed; its execution place is free again.
        held.append(kind)
        if kind == "reader":
            time.sleep(timeout_s + 3)  # Never reads in time; the server shuts the connection.
        read_all(sock)
    finished.append(time.monotonic())
