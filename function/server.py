#!/usr/bin/env python3
"""Serves main.py's ``execute`` with gunicorn, configured for clients that cannot be trusted.

    function/server.py [--host HOST] [--port PORT]      (`make run`, the image's CMD)

The function is functions-framework's own: ``functions_framework.create_app`` builds it
exactly as ``functions-framework --target execute --source function/main.py`` does, and that
command serves it too. Only the HTTP server around it is ours, because the CLI cannot be told
any of this (it even turns gunicorn's request line limit off, and gunicorn then parses a long
line in quadratic time):

- a request line of at most 8,190 bytes and at most 100 header fields of 8,190 bytes each,
  answered past that with a JSON 414 or 431;
- ``PYEXEC_CLIENT_TIMEOUT_S`` (30 s) for each of the request's head to arrive, its body to
  arrive, and the response to be read; a request that comes too late is answered with a JSON
  408, and a response that is not read in time is dropped (see :class:`Deadlines`);
- gunicorn's own refusals (a malformed request line, header or chunk) in JSON;
- threads: one per execution place (slots + queue) and SPARE_THREADS more, so that
  ``/healthz``, 429s and refusals never wait behind executions, nor behind a few slow clients
  (each of which holds a thread for at most the client timeout per phase).

``THREADS``, ``WORKERS`` and ``GUNICORN_LOG_LEVEL`` mean what they mean to functions-framework.
"""

from __future__ import annotations

import argparse
import enum
import http
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import functions_framework
import gunicorn.app.base
from api.errors import ApiError, HeadersTooLarge, InvalidHttp, RequestTimeout, UriTooLong
from api.response import Response
from api.service import env_int, service
from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker

MAIN = Path(__file__).resolve().parent / "main.py"
SPARE_THREADS = 16
DEFAULT_CLIENT_TIMEOUT_S = 30
LIMIT_REQUEST_LINE = 8190  # gunicorn's largest
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190


class Phase(enum.Enum):
    HEAD = "the request's line and headers"
    BODY = "the request's body"
    RESPONSE = "the response"


@dataclass
class _Deadline:
    at: float
    phase: Phase
    fired: bool = False


class Deadlines:
    """Shuts a client's connection when the phase it is in outlasts the client timeout.

    One thread per process watches the armed connections. A late request gets
    ``shutdown(SHUT_RD)``: the blocked read sees the end of the stream, and the server can still
    answer 408. A late reader gets ``SHUT_RDWR``, and the blocked send fails. A connection is
    disarmed by the thread serving it before gunicorn closes it, and shutdowns happen under
    the same lock, so a late one never reaches a descriptor given to another connection.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._armed: dict[socket.socket, _Deadline] = {}
        self._watcher_pid: int | None = None

    def arm(self, sock: socket.socket, seconds: float, phase: Phase) -> None:
        """Start ``phase`` of ``sock`` now; it replaces the phase before, unless that one ran
        out (the connection is shut already, and stays late until it is disarmed)."""
        with self._changed:
            if self._watcher_pid != os.getpid():  # First use in this (forked) worker.
                self._watcher_pid = os.getpid()
                threading.Thread(target=self._watch, name="client-deadlines", daemon=True).start()
            current = self._armed.get(sock)
            if current is None or not current.fired:
                self._armed[sock] = _Deadline(time.monotonic() + seconds, phase)
                self._changed.notify()

    def disarm(self, sock: socket.socket) -> Phase | None:
        """End the current phase; returns it if its deadline had passed."""
        with self._changed:
            deadline = self._armed.pop(sock, None)
        return deadline.phase if deadline is not None and deadline.fired else None

    def fired(self, sock: socket.socket) -> bool:
        with self._changed:
            deadline = self._armed.get(sock)
            return deadline is not None and deadline.fired

    def _watch(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for sock, deadline in self._armed.items():
                    if not deadline.fired and deadline.at <= now:
                        deadline.fired = True
                        _shut(sock, deadline.phase)
                waiting = [d.at for d in self._armed.values() if not d.fired]
                self._changed.wait(timeout=max(min(waiting, default=now + 60) - now, 0.01))


def _shut(sock: socket.socket, phase: Phase) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR if phase is Phase.RESPONSE else socket.SHUT_RD)
    except OSError:  # The client has gone already.
        pass


DEADLINES = Deadlines()


class ClientDeadlines:
    """WSGI middleware: the body and response phases of each request (the worker arms the
    head's). The script's own run is on no client's clock."""

    def __init__(self, app: Callable[..., Iterable[bytes]], timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        sock = environ["gunicorn.socket"]
        DEADLINES.arm(sock, self.timeout_s, Phase.BODY)
        environ["wsgi.input"] = _TimedBody(environ["wsgi.input"], sock, self.timeout_s)

        def start(*args: Any) -> Any:
            DEADLINES.disarm(sock)  # A body not read whole by now never will be.
            return start_response(*args)

        return _TimedResponse(self.app(environ, start), sock, self.timeout_s)


class _TimedBody:
    """``wsgi.input`` that ends the body's phase at its end, and raises TimeoutError (which
    api.request.read_body answers with 408) once the phase has run out."""

    def __init__(self, body: Any, sock: socket.socket, timeout_s: float) -> None:
        self._body = body
        self._sock = sock
        self._timeout_s = timeout_s

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._body.read(size)
        except Exception:  # A chunked body cut short by the shutdown, for one.
            if DEADLINES.fired(self._sock):
                raise self._late() from None
            raise
        if DEADLINES.fired(self._sock):
            raise self._late()
        if not data:
            DEADLINES.disarm(self._sock)
        return data

    def _late(self) -> TimeoutError:
        return TimeoutError(f"{Phase.BODY.value} did not arrive in {self._timeout_s} s")

    def __getattr__(self, name: str) -> Any:  # readline, __iter__, ...: not used by pyexec
        return getattr(self._body, name)


class _TimedResponse:
    """The response's chunks, sent on the response's phase: from the first to close()."""

    def __init__(self, chunks: Iterable[bytes], sock: socket.socket, timeout_s: float) -> None:
        self._chunks = chunks
        self._sock = sock
        self._timeout_s = timeout_s

    def __iter__(self) -> Iterator[bytes]:
        DEADLINES.arm(self._sock, self._timeout_s, Phase.RESPONSE)
        yield from self._chunks

    def close(self) -> None:
        DEADLINES.disarm(self._sock)
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


class Worker(ThreadWorker):
    """gunicorn's threaded worker, with the head's deadline and JSON refusals, which starts
    its warm jails before it serves (the master process, which serves nothing, has none)."""

    wsgi: ClientDeadlines

    def init_process(self) -> None:
        service(os.environ).sandbox.warm()
        super().init_process()

    def handle(self, conn: Any) -> Any:
        timeout_s = self.wsgi.timeout_s
        DEADLINES.arm(conn.sock, timeout_s, Phase.HEAD)
        try:
            keep_alive = super().handle(conn)
        finally:
            late = DEADLINES.disarm(conn.sock)
        if late is Phase.HEAD:
            self._refuse(conn.sock, RequestTimeout(f"{late.value} did not arrive in {timeout_s} s"))
            return False
        return keep_alive

    def _keepalive_after(self, conn: Any, keep_alive: Any) -> bool:
        """gunicorn drains an unread body before reusing the connection; a malformed one
        (a bad chunk after a complete answer) closes it, rather than reaching handle_error
        and sending a second answer the client never asked for."""
        try:
            return bool(super()._keepalive_after(conn, keep_alive))
        except Exception:  # noqa: BLE001 - whatever the drain raises, the connection is done
            return False

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: Exception) -> None:
        if DEADLINES.fired(client):  # Late already: handle() answers 408, and only that.
            return
        error = _refusal(exc)
        if error is not None:
            self._refuse(client, error)
            return
        execution_id = uuid.uuid4().hex
        _send(client, service(os.environ).fault(exc, execution_id, {}), execution_id)

    def _refuse(self, sock: socket.socket, error: ApiError) -> None:
        response, execution_id = service(os.environ).refuse(error, {})
        _send(sock, response, execution_id)


def _refusal(exc: Exception) -> ApiError | None:
    """The answer to a request gunicorn's parser refused; None for anything else (a bug)."""
    if isinstance(exc, http_errors.LimitRequestLine):
        return UriTooLong(f"the request line is longer than {LIMIT_REQUEST_LINE} bytes")
    if isinstance(exc, http_errors.LimitRequestHeaders):
        return HeadersTooLarge(
            f"{exc}: at most {LIMIT_REQUEST_FIELDS} header fields of at most "
            f"{LIMIT_REQUEST_FIELD_SIZE} bytes each"
        )
    the_servers_own = (http_errors.ConfigurationProblem, http_errors.InvalidResponseHeader,
                       http_errors.InvalidResponseHeaderName)  # fmt: skip
    if isinstance(exc, http_errors.ParseException) and not isinstance(exc, the_servers_own):
        return InvalidHttp(f"the request is not well-formed HTTP/1.1: {exc}")
    return None


def _send(sock: socket.socket, response: Response, execution_id: str) -> None:
    """Write a whole response without waiting: a client that does not read loses it."""
    payload = response.payload
    head = (
        f"HTTP/1.1 {response.status} {http.HTTPStatus(response.status).phrase}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        f"X-Execution-Id: {execution_id}\r\nConnection: close\r\n\r\n"
    )
    try:
        sock.setblocking(False)
        sock.send(head.encode("ascii") + payload)
    except OSError:
        pass


class Server(gunicorn.app.base.BaseApplication):
    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.app = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        return self.app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    where = parser.parse_args()
    app = functions_framework.create_app(target="execute", source=str(MAIN))
    execution_places = service(os.environ).capacity  # The Service main.py made, self-tested.
    timeout_s = env_int(os.environ, "PYEXEC_CLIENT_TIMEOUT_S", DEFAULT_CLIENT_TIMEOUT_S)
    options = {
        "bind": f"{where.host}:{where.port}",
        "workers": env_int(os.environ, "WORKERS", 1),
        "threads": env_int(os.environ, "THREADS", execution_places + SPARE_THREADS),
        "worker_class": Worker,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        "timeout": 30,  # A worker whose main loop stops answering is replaced.
        "graceful_timeout": 8,  # Cloud Run allows 10 s after SIGTERM.
        "loglevel": os.environ.get("GUNICORN_LOG_LEVEL", "error"),
    }
    Server(ClientDeadlines(app, timeout_s), options).run()


if __name__ == "__main__":
    main()
