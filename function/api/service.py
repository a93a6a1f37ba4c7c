"""The execution API without a web framework: an HTTP request in, a Response out.

function/main.py adapts functions-framework's Flask request to :class:`HttpRequest` and the
:class:`~api.response.Response` back; everything else happens here, so tests and other
front ends can drive the same code.

Settings (environment, read once; the sandbox's own are in sandbox/config.py):

======================== =========== ======================================================
PYEXEC_MAX_BODY_BYTES    1048576     largest request body; larger ones get 413 unread
PYEXEC_QUEUE             PYEXEC_SLOTS requests that may wait for a slot; beyond them, 429
PYEXEC_RESULTS_TOPIC     (none)      projects/P/topics/T: publish the results of events, and
                                     of HTTP requests that ask, there (api/results.py)
PYEXEC_PUBLISH_TIMEOUT_S 10          how long a result's one publish attempt may take before
                                     the request is answered 503
PYEXEC_PLAYGROUND        on          ``on``: the browser playground at GET / (api/playground.py)
PYEXEC_CORS_ORIGINS      (none)      origins (``https://host[:port]``, comma-separated) whose
                                     pages may call this service from a browser
======================== =========== ======================================================
"""

from __future__ import annotations

import os
import re
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import IO, Any

from sandbox import ConfigError, Outcome, Sandbox, SandboxFailure, SandboxUnavailable, Settings

from api import events, openapi, results
from api.errors import (
    ApiError,
    Busy,
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    OriginNotAllowed,
    RequestTimeout,
    ResultNotPublished,
    SandboxFault,
    Unavailable,
)
from api.logs import MAX_TRACEBACK_CHARS, log, trace_field
from api.playground import Playground
from api.request import (
    ExecutionRequest,
    check_content_type,
    decode_json,
    parse_document,
    read_body,
)
from api.response import Response, from_error, from_outcome

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: Suggested wait, in seconds, for a client that got 429.
RETRY_AFTER_S = 1
DOCUMENTS = {"/openapi.json", "/healthz"}


@dataclass(frozen=True)
class Publication:
    """Where a request came from, for the attributes of its published result."""

    trigger: str
    causation_id: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    """Header names in lower case."""
    content_length: int | None
    body: IO[bytes]


class Service:
    def __init__(
        self,
        sandbox: Sandbox,
        max_body_bytes: int,
        queue: int,
        publisher: results.ResultPublisher | None = None,
        playground: Playground | None = None,
        cors_origins: frozenset[str] = frozenset(),
    ) -> None:
        self.sandbox = sandbox
        self.publisher = publisher
        self.playground = playground
        self.cors_origins = cors_origins
        sandbox.report = log
        self.max_body_bytes = max_body_bytes
        self.capacity = sandbox.settings.slots + queue
        self._admission = threading.BoundedSemaphore(self.capacity)
        self.unavailable_reason: str | None = "the sandbox has not been started"
        self._openapi = openapi.document(
            sandbox.settings, max_body_bytes, publisher.topic if publisher else None
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Service:
        settings = Settings.from_env(environ)
        max_body = env_int(environ, "PYEXEC_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
        queue = env_int(environ, "PYEXEC_QUEUE", settings.slots, minimum=0)
        playground = environ.get("PYEXEC_PLAYGROUND", "on") or "on"
        if playground not in ("on", "off"):
            raise ConfigError(f"PYEXEC_PLAYGROUND={playground!r} is not one of: on, off")
        return cls(Sandbox(settings), max_body, queue, _publisher(environ),
                   Playground() if playground == "on" else None,
                   _cors_origins(environ.get("PYEXEC_CORS_ORIGINS", "")))  # fmt: skip

    def start(self) -> None:
        """Run the sandbox self-test once; log the result. Never raises: failure means 503."""
        started = time.monotonic()
        try:
            profile = self.sandbox.start()
        except SandboxUnavailable as exc:
            self.unavailable_reason = str(exc)
            log("ERROR", f"sandbox unavailable, nothing will run: {exc}", self_test="failed")
            return
        self.unavailable_reason = None
        log(
            "INFO",
            f"sandbox ready: {profile.value} profile",
            self_test="passed",
            profile=profile.value,
            cgroups=self.sandbox.cgroups is not None,
            slots=self.sandbox.settings.slots,
            warm_jails=[p.name for p in self.sandbox.preload_sets]
            if self.sandbox.settings.warm_jails
            else None,
            uids=self.sandbox.uids,
            queue=self.capacity - self.sandbox.settings.slots,
            self_test_ms=round((time.monotonic() - started) * 1000, 1),
            swap_capped=self.sandbox.swap_capped,
            results_topic=self.publisher.topic if self.publisher else None,
        )
        if not self.sandbox.swap_capped:
            log("WARNING", "swap cannot be capped here: " + self.sandbox.swap_reason)
        os.register_at_fork(after_in_child=self._log_worker)

    def _log_worker(self) -> None:
        """A forked worker (gunicorn) runs its jails as uids of its own: say which."""
        if self.sandbox.uids:
            log("INFO", "worker ready", worker_pid=os.getpid(), uids=self.sandbox.uids)
        else:
            log("ERROR", "worker has no jail uids, nothing will run", worker_pid=os.getpid())

    def shutdown(self) -> None:
        self.unavailable_reason = "the instance is shutting down"
        self.sandbox.shutdown()
        if self.publisher is not None:
            self.publisher.close()

    # Routing -------------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> tuple[Response, str]:
        """Answer one HTTP request; returns the response and its execution id. Never raises:
        anything unexpected is logged with the execution id and answered with a 500."""
        execution_id = uuid.uuid4().hex
        try:
            response = self._route(request, execution_id)
        except Exception as exc:  # noqa: BLE001 - the last resort: a bug, answered in JSON
            response = self.fault(exc, execution_id, request.headers)
        return self._cors(response, request.headers), execution_id

    def refuse(
        self, error: ApiError, headers: Mapping[str, str], execution_id: str | None = None
    ) -> tuple[Response, str]:
        """Answer a request the front end refused before handle() (function/main.py,
        function/server.py), and log it; returns the response and its execution id."""
        execution_id = execution_id or uuid.uuid4().hex
        response = from_error(error, execution_id, body_unread=True)
        self._log(response, execution_id, time.monotonic(), headers)
        return response, execution_id

    def fault(self, exc: BaseException, execution_id: str, headers: Mapping[str, str]) -> Response:
        """The documented 500 for a bug of the service, logged with its traceback."""
        log("ERROR", f"internal error: {type(exc).__name__}: {exc}", execution_id=execution_id,
            traceback="".join(traceback.format_exception(exc))[-MAX_TRACEBACK_CHARS:])  # fmt: skip
        error = InternalError(f"the service failed unexpectedly (execution id {execution_id})")
        return self.refuse(error, headers, execution_id)[0]

    def _route(self, request: HttpRequest, execution_id: str) -> Response:
        if request.method in ("GET", "HEAD") and request.path in DOCUMENTS:
            return self._document(request.path)
        if request.method in ("GET", "HEAD") and Playground.owns(request.path):
            page = self.playground.serve(request.path, request.headers) if self.playground else None
            if page is not None:
                return page
            where = (
                "is off here (PYEXEC_PLAYGROUND)" if self.playground is None else "has no such file"
            )
            return self.refuse(NotFound(f"the playground {where}: {request.path}"),
                               request.headers, execution_id)[0]  # fmt: skip
        if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
            return self._preflight(request.headers, execution_id)
        started = time.monotonic()
        event = None
        refused_fields: dict[str, Any] = {}
        body_read = False
        try:
            if request.method != "POST":
                allowed = "GET, HEAD, POST" if request.path in DOCUMENTS else "POST"
                raise MethodNotAllowed(
                    f"{request.method} is not allowed here; use {allowed}", {"Allow": allowed}
                )
            if events.is_cloudevent(request.headers):
                body = read_body(request.body, request.content_length, self.max_body_bytes)
                body_read = True
                event = events.from_cloudevent(request.headers, body)
                document = event.document
            else:
                check_content_type(request.headers)
                body = read_body(request.body, request.content_length, self.max_body_bytes)
                body_read = True
                document = decode_json(body)
                if events.is_pubsub_push(document):
                    refused_fields = events.push_log_fields(document)
                    event = events.from_pubsub_push(document)
                    document = event.document
            execution = parse_document(document, self.sandbox.settings.limits)
            if execution.publish and self.publisher is None:
                raise InvalidRequest(
                    "'publish' asks for the result to be published, but this service has no "
                    "results topic (PYEXEC_RESULTS_TOPIC)",
                    field="publish",
                )
        except ApiError as exc:
            response = from_error(exc, execution_id, body_unread=not body_read)
            is_event = event is not None or events.is_cloudevent(request.headers)
            if is_event and not isinstance(exc, RequestTimeout):  # A late body may come in time.
                # An event that can never succeed: 400, so that brokers do not redeliver it.
                response = Response(400, response.body, response.headers, not body_read)
            fields = event.log_fields() if event is not None else refused_fields
            self._log(response, execution_id, started, request.headers, **fields)
            return response
        if event is None:
            publication = Publication("http") if execution.publish else None
            return self.execute(execution, execution_id, started, request.headers, publication)
        trigger = "pubsub" if event.event_type in events.PUBSUB_TYPES else "cloudevent"
        publication = Publication(trigger, event.event_id, event.subject)
        response = self.execute(
            execution, execution_id, started, request.headers,
            publication if self.publisher else None, **event.log_fields(),
        )  # fmt: skip
        if response.status in (200, 422):  # The script ran: that is an answer, not a fault.
            response = events.reply(response, event, execution_id)
        return response

    # Execution -----------------------------------------------------------------------------

    def execute(
        self,
        execution: ExecutionRequest,
        execution_id: str,
        started: float,
        headers: Mapping[str, str],
        publication: Publication | None = None,
        **log_fields: Any,
    ) -> Response:
        """Run a validated request, publish its result if asked, and log it; every failure
        becomes a Response."""
        outcome = None
        try:
            outcome = self.run(execution, execution_id)
            if publication is None:
                response = from_outcome(outcome, execution_id)
            else:
                response = from_outcome(outcome, execution_id, results.MAX_MESSAGE_BYTES)
                log_fields["published_message_id"] = self._publish(response, outcome, publication)
        except ApiError as exc:
            response = from_error(exc, execution_id)
        script_bytes = len(execution.script.encode("utf-8", "surrogatepass"))
        self._log(response, execution_id, started, headers, outcome, script_bytes, **log_fields)
        return response

    def _publish(self, response: Response, outcome: Outcome, publication: Publication) -> str:
        """Publish a script's result (200 or 422); its message id. ResultNotPublished if not."""
        assert self.publisher is not None
        attributes = results.attributes(
            response.body["execution_id"], outcome_of(response), response.status,
            outcome.profile, publication.trigger, publication.causation_id, publication.subject,
        )  # fmt: skip
        try:
            return self.publisher.publish(response.payload, attributes)
        except ResultNotPublished as exc:
            log("ERROR", str(exc), execution_id=response.body["execution_id"])
            raise

    def run(self, execution: ExecutionRequest, execution_id: str) -> Outcome:
        if self.unavailable_reason is not None:
            raise Unavailable(f"the sandbox is unavailable: {self.unavailable_reason}")
        if not self._admission.acquire(blocking=False):
            raise Busy(
                f"all {self.capacity} execution places on this instance are taken; "
                f"retry after {RETRY_AFTER_S} s",
                {"Retry-After": str(RETRY_AFTER_S)},
            )
        try:
            return self.sandbox.run(execution.script, execution.args, execution.limits)
        except SandboxUnavailable as exc:
            raise Unavailable(f"the sandbox is unavailable: {exc}") from None
        except SandboxFailure as exc:
            log("ERROR", f"sandbox failure: {exc}", execution_id=execution_id)
            raise SandboxFault(
                "the sandbox failed to run the script; this is not the script's fault "
                f"(execution id {execution_id})"
            ) from None
        finally:
            self._admission.release()

    # CORS ----------------------------------------------------------------------------------

    def _preflight(self, headers: Mapping[str, str], execution_id: str) -> Response:
        """A browser asks whether a page of another origin may call here: yes only for a
        listed origin, POST or GET, and no request header but Content-Type."""
        origin = headers.get("origin", "")
        method = headers.get("access-control-request-method", "")
        asked = {h.strip().lower() for h in headers.get("access-control-request-headers", "")
                 .split(",") if h.strip()}  # fmt: skip
        if origin not in self.cors_origins:
            problem = f"pages of {origin or 'an unnamed origin'} may not call this service"
        elif method not in ("POST", "GET"):
            problem = f"{method or 'no method'} is not allowed from another origin: POST or GET"
        elif asked - {"content-type"}:
            problem = f"request headers {sorted(asked - {'content-type'})} are not allowed"
        else:
            preflight = {"Access-Control-Allow-Methods": "POST, GET",
                         "Access-Control-Allow-Headers": "Content-Type",
                         "Access-Control-Max-Age": "600"}  # fmt: skip
            return Response(204, {}, preflight, raw=b"")
        return self.refuse(OriginNotAllowed(problem), headers, execution_id)[0]

    def _cors(self, response: Response, headers: Mapping[str, str]) -> Response:
        """The CORS headers of a listed origin's request (and none for any other); where any
        origin is listed, every answer varies by Origin, for caches."""
        if not self.cors_origins:
            return response
        vary = response.headers.get("Vary")
        added = {"Vary": f"{vary}, Origin" if vary else "Origin"}
        origin = headers.get("origin")
        if origin in self.cors_origins and outcome_of(response) != OriginNotAllowed.code:
            added |= {"Access-Control-Allow-Origin": origin,
                      "Access-Control-Expose-Headers": "X-Execution-Id, Retry-After"}  # fmt: skip
        return replace(response, headers={**response.headers, **added})

    # Documents -----------------------------------------------------------------------------

    def _document(self, path: str) -> Response:
        if path == "/openapi.json":
            return Response(200, self._openapi)
        reason = self.unavailable_reason or self.sandbox.unhealthy
        if reason is None:
            return Response(200, {"status": "ok", "profile": self.sandbox.profile})
        error = {"code": "unavailable", "message": reason}
        return Response(503, {"status": "unavailable", "error": error})

    def _log(
        self,
        response: Response,
        execution_id: str,
        started: float,
        headers: Mapping[str, str],
        outcome: Outcome | None = None,
        script_bytes: int | None = None,
        **fields: Any,
    ) -> None:
        code = outcome_of(response)
        if response.status >= 500:
            severity = "ERROR"
        elif response.status in (200, 422):
            severity = "INFO"
        else:
            severity = "WARNING"
        if outcome is not None:
            fields.update(peak_memory_kib=outcome.peak_memory_kib, profile=outcome.profile,
                          jail="warm" if outcome.warm else "cold",
                          jail_wait_ms=outcome.jail_wait_ms)  # fmt: skip
        log(
            severity,
            f"execution {code}",
            execution_id=execution_id,
            outcome=code,
            status=response.status,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            script_bytes=script_bytes,
            **fields,
            **trace_field(headers),
        )


def outcome_of(response: Response) -> str:
    """The outcome code of a response: ``ok`` or its ``error.code``."""
    error = response.body.get("error")
    return error["code"] if isinstance(error, dict) else "ok"


def env_int(environ: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    """An integer setting from the environment; ConfigError names a bad one."""
    raw = environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} is below the minimum {minimum}")
    return value


def _cors_origins(raw: str) -> frozenset[str]:
    """PYEXEC_CORS_ORIGINS: exact origins, scheme://host[:port], no path and no wildcard."""
    origins = set()
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        origin = entry.rstrip("/").lower()  # as browsers send it: lower case, no default port
        origin = re.sub(r"^(https://[^/]+):443$|^(http://[^/]+):80$", r"\1\2", origin)
        if not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"PYEXEC_CORS_ORIGINS: {entry!r} is not an origin like https://host[:port]"
            )
        origins.add(origin)
    return frozenset(origins)


_ORIGIN = re.compile(
    r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:]+\](:[0-9]{1,5})?"
)


def _publisher(environ: Mapping[str, str]) -> results.ResultPublisher | None:
    topic = environ.get("PYEXEC_RESULTS_TOPIC")
    if not topic:
        return None
    problem = results.check_topic(topic)
    if problem:
        raise ConfigError(f"PYEXEC_RESULTS_TOPIC={problem}")
    timeout = env_int(environ, "PYEXEC_PUBLISH_TIMEOUT_S", int(results.DEFAULT_TIMEOUT_S))
    try:
        return results.ResultPublisher(topic, timeout)
    except Exception as exc:  # noqa: BLE001 - no credentials (or no library): named, refused
        raise ConfigError(
            f"PYEXEC_RESULTS_TOPIC is set, but results cannot be published: "
            f"{type(exc).__name__}: {exc}"
        ) from None


_service: Service | None = None
_service_lock = threading.Lock()


def service(environ: Mapping[str, str]) -> Service:
    """The process's one Service, created and self-tested on first use."""
    global _service
    with _service_lock:
        if _service is None:
            _service = Service.from_env(environ)
            _service.start()
        return _service
