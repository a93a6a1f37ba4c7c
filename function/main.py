"""pyexec's only entry point: the functions-framework HTTP function ``execute``.

    functions-framework --target execute --source function/main.py

An adapter and nothing more: Flask's request becomes an api.service.HttpRequest, the Service
answers it, and its Response becomes Flask's. The contract is in the README and at
GET /openapi.json.
"""

from __future__ import annotations

import atexit
import os
import uuid

import flask
import functions_framework
from api.errors import ApiError, InvalidHttp, NotFound
from api.response import Response
from api.service import HttpRequest, service
from werkzeug.exceptions import HTTPException

SERVICE = service(os.environ)  # Reads the settings and runs the sandbox self-test, once.


@functions_framework.http
def execute(request: flask.Request) -> flask.Response:
    reply, execution_id = SERVICE.handle(
        HttpRequest(
            method=request.method,
            path=request.path,
            headers=_headers(request),
            content_length=request.content_length,
            body=request.stream,
        )
    )
    return _flask_response(reply, execution_id, request.method)


@functions_framework.errorhandler(HTTPException)
def _framework_error(exc: HTTPException) -> flask.Response:
    """functions-framework's own answers (a 404 for /robots.txt and /favicon.ico), in JSON."""
    if exc.code == 404:
        error: ApiError = NotFound(
            f"nothing is served at {flask.request.path}: POST a script to /execute; "
            "GET /openapi.json describes the API"
        )
    else:
        error = InvalidHttp(exc.description or exc.name)
    reply, execution_id = SERVICE.refuse(error, _headers(flask.request))
    return _flask_response(reply, execution_id, flask.request.method)


@functions_framework.errorhandler(Exception)
def _last_resort(exc: Exception) -> flask.Response:
    """Whatever escaped the adapter itself: logged with an execution id, a JSON 500."""
    execution_id = uuid.uuid4().hex
    reply = SERVICE.fault(exc, execution_id, _headers(flask.request))
    return _flask_response(reply, execution_id, flask.request.method)


def _headers(request: flask.Request) -> dict[str, str]:
    return {name.lower(): value for name, value in request.headers.items()}


def _flask_response(reply: Response, execution_id: str, method: str) -> flask.Response:
    payload = b"" if method == "HEAD" else reply.payload
    headers = {**reply.headers, "X-Execution-Id": execution_id,
               "Content-Length": str(len(payload))}  # fmt: skip
    if reply.body_unread:  # Close rather than drain a body that was refused unread.
        headers["Connection"] = "close"
    # An iterable body: functions-framework reads the whole request before any other response
    # (its read_request hook), which would buffer a refused body of any size.
    return flask.Response(
        iter([payload]), status=reply.status, headers=headers, content_type=reply.content_type
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
