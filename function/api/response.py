"""Rendering: an Outcome or an ApiError becomes one strict-JSON response, in exactly one place."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sandbox import Outcome

from api.errors import ApiError


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    body_unread: bool = False
    """The request body was refused unread: the connection must close, not be drained."""

    def encode(self) -> bytes:
        # Strict JSON: allow_nan=False (the runner never produces NaN; if it ever did, failing
        # loudly beats a token clients cannot parse), and ASCII, so that a lone surrogate in a
        # script's string is sent as an escape rather than failing to encode.
        return json.dumps(self.body, allow_nan=False).encode("ascii")


def from_outcome(outcome: Outcome, execution_id: str) -> Response:
    """200 with the result when main() returned, 422 with the reason when it did not."""
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


def from_error(error: ApiError, execution_id: str, body_unread: bool = False) -> Response:
    body = {
        "error": {"code": error.code, "message": error.message, **error.details},
        "stdout": "",
        "stderr": "",
        "execution_id": execution_id,
    }
    return Response(error.status, body, dict(error.headers), body_unread)
