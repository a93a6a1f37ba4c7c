"""Errors of the HTTP contract: each is one row of the README's error table.

A script that fails is not one of these: it is an Outcome, rendered by api.response. These
are for requests the API refuses and for faults of the service itself::

    ApiError                  status  error.code
    ├── InvalidRequest        400     invalid_request         the body is not a valid request
    ├── InvalidHttp           400     invalid_http            not well-formed HTTP/1.1
    ├── OriginNotAllowed      403     origin_not_allowed      a CORS preflight from an origin
                                                              not in PYEXEC_CORS_ORIGINS
    ├── NotFound              404     not_found               /robots.txt, /favicon.ico; the
                                                              playground's paths when it is
                                                              off, or unknown
    ├── MethodNotAllowed      405     method_not_allowed      not POST (GET of a document aside)
    ├── RequestTimeout        408     request_timeout         the request did not arrive in time
    ├── PayloadTooLarge       413     payload_too_large       the body is over the limit
    ├── UriTooLong            414     uri_too_long            the request line is over the limit
    ├── UnsupportedMediaType  415     unsupported_media_type  not application/json
    ├── Busy                  429     busy                    every slot and queue place taken
    ├── HeadersTooLarge       431     headers_too_large       too many or too long headers
    ├── InternalError         500     internal_error          a bug of the service; logged
    ├── SandboxFault          500     sandbox_error           the sandbox failed, not the script
    ├── Unavailable           503     unavailable             no working sandbox here
    └── ResultNotPublished    503     result_not_published    the script ran; its result could
                                                              not be published (api/results.py)

InvalidHttp, UriTooLong, HeadersTooLarge and the RequestTimeout of a request's head come from
the HTTP server (function/server.py) before the request reaches the function.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, headers: dict[str, str] | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.details = details


class InvalidRequest(ApiError):
    """The body is not JSON, not an object, or a field is missing, unknown or invalid."""

    status, code = 400, "invalid_request"


class InvalidHttp(ApiError):
    """The HTTP server's parser refused the request (a bad request line, header or chunk)."""

    status, code = 400, "invalid_http"


class OriginNotAllowed(ApiError):
    """A browser asked (CORS preflight) to call from an origin PYEXEC_CORS_ORIGINS does not
    list: it gets no CORS headers, and this says why."""

    status, code = 403, "origin_not_allowed"


class NotFound(ApiError):
    """A path that is never a function call: /robots.txt and /favicon.ico; and a GET of the
    playground's paths (/ and /playground/...) when it is off, or of an asset it does not
    have."""

    status, code = 404, "not_found"


class MethodNotAllowed(ApiError):
    """Only POST executes; GET serves /openapi.json and /healthz."""

    status, code = 405, "method_not_allowed"


class PayloadTooLarge(ApiError):
    """The body is larger than the server accepts (refused before it is read whole)."""

    status, code = 413, "payload_too_large"


class RequestTimeout(ApiError):
    """The request's head or body took longer than the client timeout to arrive."""

    status, code = 408, "request_timeout"


class UriTooLong(ApiError):
    """The request line is longer than the HTTP server accepts."""

    status, code = 414, "uri_too_long"


class UnsupportedMediaType(ApiError):
    """The request is not sent as application/json."""

    status, code = 415, "unsupported_media_type"


class Busy(ApiError):
    """Every execution slot and every place in the wait queue is taken; retry later."""

    status, code = 429, "busy"


class HeadersTooLarge(ApiError):
    """More header fields than the HTTP server accepts, or one that is too long."""

    status, code = 431, "headers_too_large"


class InternalError(ApiError):
    """Anything unexpected: a bug of the service, never the client's. Logged with its id."""

    status, code = 500, "internal_error"


class SandboxFault(ApiError):
    """The sandbox itself failed; the script is not to blame. Logged with the execution id."""

    status, code = 500, "sandbox_error"


class Unavailable(ApiError):
    """The sandbox failed its start-up self-test (or the instance is shutting down)."""

    status, code = 503, "unavailable"


class ResultNotPublished(ApiError):
    """The script ran, but its result could not be published to the results topic: the
    request is answered as failed so that Pub/Sub redelivers it (the script runs again)."""

    status, code = 503, "result_not_published"
