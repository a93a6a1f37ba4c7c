"""Errors of the HTTP contract: each is one row of the README's error table.

A script that fails is not one of these: it is an Outcome, rendered by api.response. These
are for requests the API refuses and for faults of the service itself::

    ApiError                  status  error.code
    ├── InvalidRequest        400     invalid_request         the body is not a valid request
    ├── MethodNotAllowed      405     method_not_allowed      not POST (GET of a document aside)
    ├── PayloadTooLarge       413     payload_too_large       the body is over the limit
    ├── UnsupportedMediaType  415     unsupported_media_type  not application/json
    ├── Busy                  429     busy                    every slot and queue place taken
    ├── SandboxFault          500     sandbox_error           the sandbox failed, not the script
    └── Unavailable           503     unavailable             no working sandbox here
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"

    def __init__(self, message: str, headers: dict[str, str] | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.details = details


class InvalidRequest(ApiError):
    """The body is not JSON, not an object, or a field is missing, unknown or invalid."""

    status, code = 400, "invalid_request"


class MethodNotAllowed(ApiError):
    """Only POST executes; GET serves /openapi.json and /healthz."""

    status, code = 405, "method_not_allowed"


class PayloadTooLarge(ApiError):
    """The body is larger than the server accepts (refused before it is read whole)."""

    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    """The request is not sent as application/json."""

    status, code = 415, "unsupported_media_type"


class Busy(ApiError):
    """Every execution slot and every place in the wait queue is taken; retry later."""

    status, code = 429, "busy"


class SandboxFault(ApiError):
    """The sandbox itself failed; the script is not to blame. Logged with the execution id."""

    status, code = 500, "sandbox_error"


class Unavailable(ApiError):
    """The sandbox failed its start-up self-test (or the instance is shutting down)."""

    status, code = 503, "unavailable"
