"""Parsing and validating an execution request: headers first, then the body, then its fields.

Every rule here maps to exactly one error (api.errors) whose message says what to fix.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from sandbox import LimitError, LimitPolicy, Limits

from api.errors import (
    InvalidHttp,
    InvalidRequest,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
)

FIELDS = ("script", "args", "limits", "publish")
#: How deeply ``args`` may nest arrays and objects (as deep as a result may: jail/wrapper.py).
MAX_ARGS_DEPTH = 100
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ExecutionRequest:
    script: str
    args: dict[str, Any]
    limits: Limits
    publish: bool = False
    """Whether the result is published to the results topic too (api/results.py)."""


def check_content_type(headers: Mapping[str, str]) -> None:
    value = headers.get("content-type", "")
    parsed = email.message.Message()
    parsed["content-type"] = value
    if not value or parsed.get_content_type() != "application/json":
        shown = f"'{value}'" if value else "none"
        raise UnsupportedMediaType(
            f"the body must be JSON: send the header 'Content-Type: application/json' (got {shown})"
        )
    charset = parsed.get_param("charset")
    if charset is not None and str(charset).lower() != "utf-8":
        raise UnsupportedMediaType(f"the body must be UTF-8 JSON (got charset={charset})")


def read_body(stream: IO[bytes], content_length: int | None, max_bytes: int) -> bytes:
    """Read at most ``max_bytes``; refuse a larger body by its Content-Length, unread.

    The stream raises TimeoutError when the body takes too long to arrive (function/server.py
    bounds it), and anything else when it is not well-formed (a bad chunk size).
    """
    if content_length is not None and content_length > max_bytes:
        raise PayloadTooLarge(
            f"the body is {content_length} bytes; the limit is {max_bytes} bytes",
            max_bytes=max_bytes,
        )
    body = bytearray()
    while len(body) <= max_bytes:
        try:
            chunk = stream.read(min(_READ_CHUNK, max_bytes + 1 - len(body)))
        except TimeoutError as exc:
            raise RequestTimeout(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - the stream's own parsing of the client's bytes
            raise InvalidHttp(f"the body could not be read: {exc}") from None
        if not chunk:
            return bytes(body)
        body += chunk
    raise PayloadTooLarge(f"the body is over the limit of {max_bytes} bytes", max_bytes=max_bytes)


def parse_document(document: Any, policy: LimitPolicy) -> ExecutionRequest:
    """Validate a decoded request object: an HTTP body, or an event's data."""
    if not isinstance(document, dict):
        raise InvalidRequest(
            f"the request must be a JSON object with a 'script' field, not {_json_type(document)}"
        )
    unknown = sorted(set(document) - set(FIELDS))
    if unknown:
        raise InvalidRequest(
            f"unknown field {unknown[0]!r}; the fields are: {', '.join(FIELDS)}",
            field=unknown[0],
        )
    script = document.get("script")
    if "script" not in document:
        raise InvalidRequest("the field 'script' is required", field="script")
    if not isinstance(script, str):
        raise InvalidRequest(
            f"the field 'script' must be a string, not {_json_type(script)}", field="script"
        )
    if not script.strip():
        raise InvalidRequest("the field 'script' must not be empty", field="script")
    args = document.get("args", {})
    if not isinstance(args, dict):
        raise InvalidRequest(
            f"the field 'args' must be an object, not {_json_type(args)}", field="args"
        )
    if _nesting(args) > MAX_ARGS_DEPTH:
        raise InvalidRequest(
            f"the field 'args' is nested more than {MAX_ARGS_DEPTH} arrays or objects deep",
            field="args",
        )
    limits = document.get("limits", {})
    if not isinstance(limits, dict):
        raise InvalidRequest(
            f"the field 'limits' must be an object, not {_json_type(limits)}", field="limits"
        )
    try:
        resolved = policy.resolve(limits)
    except LimitError as exc:
        raise InvalidRequest(str(exc), field=f"limits.{exc.field}") from None
    publish = document.get("publish", False)
    if not isinstance(publish, bool):
        raise InvalidRequest(
            f"the field 'publish' must be true or false, not {_json_type(publish)}",
            field="publish",
        )
    return ExecutionRequest(script=script, args=args, limits=resolved, publish=publish)


def decode_json(body: bytes, what: str = "the body") -> Any:
    """Strict JSON: UTF-8, no NaN or Infinity tokens, no duplicate keys, bounded nesting."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequest(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    try:
        document = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants
        )
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"{what} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise InvalidRequest(f"{what} is nested too deeply") from None
    where = _lone_surrogate(document)
    if where is not None:
        raise InvalidRequest(
            f"{what} holds a lone surrogate escape (\\ud800 to \\udfff without its pair) in "
            f"{where}: JSON text must be valid Unicode (RFC 8259, section 8.2)"
        )
    return document


def _nesting(value: Any) -> int:
    """How many arrays and objects deep ``value`` goes, counted without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            pending += [(child, depth + 1) for child in children]
    return deepest


def _lone_surrogate(document: Any) -> str | None:
    """Where ``document`` holds a string or key with a lone surrogate, e.g. ``args["a"][2]``;
    None if nowhere. Only a ``\\udXXX`` escape can put one there: the text itself is UTF-8."""
    pending: list[tuple[Any, str]] = [(document, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str) and not _unicode(item):
            return path or "the value itself"
        if isinstance(item, dict):
            for key, value in item.items():
                if not _unicode(key):
                    return f"a key of {path}" if path else "a key"
                pending.append((value, f"{path}[{json.dumps(key)}]" if path else key))
        elif isinstance(item, list):
            pending += [(value, f"{path}[{i}]") for i, value in enumerate(item)]
    return None


def _unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise InvalidRequest(f"the key {key!r} appears twice in one object")
        document[key] = value
    return document


def _no_constants(name: str) -> Any:
    raise InvalidRequest(f"the body is not valid JSON: {name} is not a JSON value")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
