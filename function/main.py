"""pyexec's only entry point: the functions-framework HTTP function ``execute``.

    functions-framework --target execute --source function/main.py

An adapter and nothing more: Flask's request becomes an api.service.HttpRequest, the Service
answers it, and its Response becomes Flask's. The contract is in the README and at
GET /openapi.json.
"""

from __future__ import annotations

import atexit
import os

import flask
import functions_framework
from api.service import HttpRequest, service

SERVICE = service(os.environ)  # Reads the settings and runs the sandbox self-test, once.


@functions_framework.http
def execute(request: flask.Request) -> flask.Response:
    reply, execution_id = SERVICE.handle(
        HttpRequest(
            method=request.method,
            path=request.path,
            headers={name.lower(): value for name, value in request.headers.items()},
            content_length=request.content_length,
            body=request.stream,
        )
    )
    payload = b"" if request.method == "HEAD" else reply.encode()
    headers = {**reply.headers, "X-Execution-Id": execution_id,
               "Content-Length": str(len(payload))}  # fmt: skip
    if reply.body_unread:  # Close rather than drain a body that was refused unread.
        headers["Connection"] = "close"
    # An iterable body: functions-framework reads the whole request before any other response
    # (its read_request hook), which would buffer a refused body of any size.
    return flask.Response(
        iter([payload]), status=reply.status, headers=headers, content_type="application/json"
    )


def _kill_jails_on_shutdown() -> None:
    """Kill running jails as soon as gunicorn's worker is told to stop (SIGTERM, SIGINT).

    Cloud Run allows about 10 s after SIGTERM; gunicorn would wait for in-flight requests up to
    its graceful timeout, and jails must not outlive the instance. The worker's signal
    handlers are gunicorn's own, so they are wrapped here; atexit covers every other exit.
    """
    atexit.register(SERVICE.shutdown)
    try:
        from gunicorn.workers import base, gthread
    except ImportError:  # Not served by gunicorn (tests, other servers).
        return
    for cls in (base.Worker, gthread.ThreadWorker):
        for name in ("handle_exit", "handle_quit"):
            original = cls.__dict__.get(name)
            if original is None or getattr(original, "pyexec_wrapped", False):
                continue

            def wrapped(worker, sig, frame, _original=original):  # type: ignore[no-untyped-def]
                SERVICE.shutdown()
                _original(worker, sig, frame)

            wrapped.pyexec_wrapped = True  # type: ignore[attr-defined]
            setattr(cls, name, wrapped)


_kill_jails_on_shutdown()
