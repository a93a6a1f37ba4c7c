"""Rendering: an Outcome or an ApiError becomes one strict-JSON response, in exactly one place.

Every body is UTF-8 JSON that strict parsers accept: no ``NaN`` or ``Infinity`` token, and no
lone surrogate (a script's string may hold one, e.g. a file name decoded with
``surrogateescape``; it is sent as U+FFFD, as invalid UTF-8 in stdout and stderr is). No body
is larger than MAX_RESPONSE_BYTES: stdout and stderr are cut to fit, and ``truncated`` says so.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from sandbox import Kind, Outcome

from api.errors import ApiError

#: The largest body the service sends: Cloud Run refuses responses over 32 MiB, and this
#: leaves a MiB of it for the headers.
MAX_RESPONSE_BYTES = 31 * 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    body_unread: bool = False
    """The request body was refused unread: the connection must close, not be drained."""
    raw: bytes | None = None
    """A body that is not a JSON document (the playground's files), sent as it is."""
    content_type: str = "application/json"

    @functools.cached_property
    def payload(self) -> bytes:
        """The body as sent, encoded once."""
        return encode(self.body) if self.raw is None else self.raw


def encode(document: Any) -> bytes:
    """Strict JSON in UTF-8 (allow_nan=False: the runner never produces NaN, and failing
    loudly beats a token clients cannot parse); a lone surrogate becomes U+FFFD."""
    text = json.dumps(document, ensure_ascii=False, allow_nan=False)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text).encode()


def from_outcome(outcome: Outcome, execution_id: str, max_bytes: int | None = None) -> Response:
    """200 with the result when main() returned, 422 with the reason when it did not; stdout
    and stderr cut, if need be, so that the body fits in ``max_bytes`` (MAX_RESPONSE_BYTES,
    or less for a result that is published too: api/results.py)."""
    published = max_bytes is not None
    max_bytes = MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
    response = _render(outcome, execution_id)
    if len(response.payload) <= max_bytes:
        return response
    # The flags at their longest ("false"), so that the room left is never overstated.
    bare = _render(replace(outcome, stdout="", stderr="", stdout_truncated=False,
                           stderr_truncated=False), execution_id)  # fmt: skip
    room = max_bytes - len(bare.payload)
    if room < 0:  # The result alone is too large (a max_output_bytes near the bound).
        size = len(encode(outcome.result))
        what = "result published" if published else "response the service sends"
        message = (f"the result is {size} bytes as JSON, more than the largest {what} "
                   f"({max_bytes} bytes)")  # fmt: skip
        error = {"message": message, "path": "result"}
        return from_outcome(replace(outcome, kind=Kind.INVALID_RESULT, result=None, error=error),
                            execution_id, max_bytes if published else None)  # fmt: skip
    stdout, stderr = encode(outcome.stdout)[1:-1], encode(outcome.stderr)[1:-1]
    # Each stream gets half the room; one that needs less leaves the rest to the other.
    stdout_room = max(room // 2, room - len(stderr))
    stderr_room = room - min(len(stdout), stdout_room)
    fitted = replace(
        outcome,
        stdout=_cut(stdout, stdout_room),
        stderr=_cut(stderr, stderr_room),
        stdout_truncated=outcome.stdout_truncated or len(stdout) > stdout_room,
        stderr_truncated=outcome.stderr_truncated or len(stderr) > stderr_room,
    )
    return _render(fitted, execution_id)


def _render(outcome: Outcome, execution_id: str) -> Response:
    common = {
        "stdout": outcome.stdout,
        "stderr": outcome.stderr,
        "truncated": {"stdout": outcome.stdout_truncated, "stderr": outcome.stderr_truncated},
        "duration_ms": outcome.duration_ms,
        "execution_id": execution_id,
    }
    if outcome.ok:
        return Response(200, {"result": outcome.result, **common})
    error = {"code": outcome.kind.value, **outcome.error}  # Frame fields never include "code".
    return Response(422, {"error": error, **common})


def _cut(encoded: bytes, limit: int) -> str:
    """The longest start of a text, given as its encoded JSON string contents, that takes at
    most ``limit`` bytes encoded: cut between two characters and two escapes."""
    if len(encoded) <= limit:
        return json.loads(b'"' + encoded + b'"')
    text = encoded[:limit].decode("utf-8", "ignore")  # A character cut in two is left out.
    last = text.rfind("\\", max(len(text) - 6, 0))  # An escape is at most 6 characters.
    if last >= 0:
        first = last
        while first and text[first - 1] == "\\":
            first -= 1
        starts_escape = (last - first) % 2 == 0  # Not the second half of an escaped backslash.
        length = 6 if text[last + 1 : last + 2] == "u" else 2
        if starts_escape and len(text) - last < length:
            text = text[:last]
    return json.loads(f'"{text}"')


def from_error(error: ApiError, execution_id: str, body_unread: bool = False) -> Response:
    body = {
        "error": {"code": error.code, "message": error.message, **error.details},
        "stdout": "",
        "stderr": "",
        "execution_id": execution_id,
    }
    return Response(error.status, body, dict(error.headers), body_unread)
