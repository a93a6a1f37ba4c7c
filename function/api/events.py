"""Execution requests that arrive as events, and the CloudEvent that answers them.

Three kinds of callers share the one HTTP entry point:

- a CloudEvent (Knative Eventing, Eventarc) in binary mode (``ce-*`` headers) or structured
  mode (``application/cloudevents+json``) of type ``dev.pyexec.execution.requested``, whose
  ``data`` is the same JSON object as an HTTP request body;
- a CloudEvent of type ``google.cloud.pubsub.topic.v1.messagePublished`` (Eventarc), whose
  ``data.message.data`` is the request JSON in base64;
- a raw Pub/Sub push (``{"message": {...}, "subscription": "..."}``, no CloudEvent headers).

The answer to each is a CloudEvent in binary mode whose data is the HTTP response document:
``dev.pyexec.execution.completed`` when main() returned, ``dev.pyexec.execution.failed`` when
the script failed. Neither matches the request type, so a trigger on requests cannot loop.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cloudevents.conversion import to_binary
from cloudevents.exceptions import GenericException
from cloudevents.http import CloudEvent, from_http

from api.errors import InvalidRequest
from api.request import decode_json
from api.response import Response

REQUESTED = "dev.pyexec.execution.requested"
COMPLETED = "dev.pyexec.execution.completed"
FAILED = "dev.pyexec.execution.failed"
PUBSUB_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
ACCEPTED_TYPES = (REQUESTED, PUBSUB_PUBLISHED)
#: The event types of requests that came through Pub/Sub: Eventarc's, and a push's own.
PUSH = "pubsub.push"
PUBSUB_TYPES = (PUBSUB_PUBLISHED, PUSH)


@dataclass(frozen=True)
class Event:
    """Where an execution request came from, for the reply and the log line."""

    document: Any
    """The execution request object (validated later, like an HTTP body)."""
    event_id: str
    event_type: str
    source: str
    subject: str | None = None
    message_id: str | None = None
    """Pub/Sub's message id, for spotting redeliveries in the logs."""

    def log_fields(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "event_source": self.source,
            "pubsub_message_id": self.message_id,
        }


def is_cloudevent(headers: Mapping[str, str]) -> bool:
    content_type = headers.get("content-type", "").lower()
    return "ce-specversion" in headers or content_type.startswith("application/cloudevents")


def is_pubsub_push(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("message"), dict)
        and "subscription" in document
        and "script" not in document
    )


def from_cloudevent(headers: Mapping[str, str], body: bytes) -> Event:
    if headers.get("content-type", "").lower().startswith("application/cloudevents-batch"):
        raise InvalidRequest(
            "batched CloudEvents are not accepted: send one event per request "
            "(binary mode, or structured mode as application/cloudevents+json)"
        )
    if headers.get("content-type", "").lower().startswith("application/cloudevents+json"):
        # Structured mode: our own strict, depth-bounded decoding first, so that the SDK only
        # ever sees a JSON object whose specversion is a string.
        envelope = decode_json(body, what="the structured CloudEvent")
        if not isinstance(envelope, dict) or not isinstance(envelope.get("specversion"), str):
            raise InvalidRequest(
                "a structured CloudEvent must be a JSON object with a string 'specversion'"
            )
    try:
        event = from_http(dict(headers), body, data_unmarshaller=lambda raw: raw)
    except GenericException as exc:
        raise InvalidRequest(f"not a valid CloudEvent: {exc}") from None
    except (ValueError, TypeError, KeyError, RecursionError) as exc:  # The SDK's own slips.
        raise InvalidRequest(f"not a valid CloudEvent ({type(exc).__name__})") from None
    attributes = event.get_attributes()
    event_type = attributes["type"]
    common = {
        "event_id": _header_safe("id", attributes["id"]),
        "event_type": event_type,
        "source": attributes["source"],
        "subject": _header_safe("subject", attributes.get("subject")),
    }
    if event_type == REQUESTED:
        return Event(document=_data_document(event.get_data()), **common)
    if event_type == PUBSUB_PUBLISHED:
        envelope = _data_document(event.get_data())
        message = envelope.get("message") if isinstance(envelope, dict) else None
        document, message_id = _pubsub_message(message)
        return Event(document=document, message_id=message_id, **common)
    raise InvalidRequest(
        f"unsupported event type {event_type!r}; accepted types: {', '.join(ACCEPTED_TYPES)}"
    )


def push_log_fields(envelope: dict[str, Any]) -> dict[str, Any]:
    """What the log line of a push names, even one whose message is refused: its message id,
    so that a poison message's redeliveries can be told apart in the logs."""
    message_id = _message_id(envelope["message"])
    return {
        "event_type": PUSH,
        "pubsub_message_id": message_id if isinstance(message_id, str) else None,
    }


def from_pubsub_push(envelope: dict[str, Any]) -> Event:
    document, message_id = _pubsub_message(envelope["message"])
    return Event(
        document=document,
        event_id=message_id or "",
        event_type=PUSH,
        source=str(envelope.get("subscription", "")),
        message_id=message_id,
    )


def reply(response: Response, event: Event, execution_id: str) -> Response:
    """The CloudEvent that answers an executed event (the script ran, whatever its outcome)."""
    attributes = {
        "type": COMPLETED if response.status == 200 else FAILED,
        "source": f"/pyexec/{os.environ.get('K_SERVICE', 'local')}",
        "id": uuid.uuid4().hex,
        "datacontenttype": "application/json",
        "causationid": event.event_id,
        "executionid": execution_id,
    }
    if event.subject:
        attributes["subject"] = event.subject
    headers, _ = to_binary(CloudEvent(attributes, None))
    ce_headers = {k: str(v) for k, v in headers.items() if k.lower().startswith("ce-")}
    return Response(200, response.body, ce_headers)  # The body stays application/json.


def _header_safe(name: str, value: Any) -> Any:
    """An attribute the reply event repeats in a header: printable ASCII, at most 256 chars.

    Checked before anything runs, so that a reply that could not be sent never follows an
    execution (a broker would redeliver the event, and the script would run again).
    """
    if value is None:
        return None
    text = str(value)
    if len(text) > 256 or not all(" " <= ch <= "~" for ch in text):
        raise InvalidRequest(
            f"the event's {name} must be printable ASCII of at most 256 characters"
        )
    return text


def _data_document(data: Any) -> Any:
    if isinstance(data, (bytes, bytearray, str)):
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if not raw:
            raise InvalidRequest("the event has no data: it must carry the request object")
        return decode_json(raw, what="the event's data")
    return data


def _message_id(message: dict[str, Any]) -> Any:
    """A Pub/Sub message's id, as push (messageId) or Eventarc (message_id) names it."""
    return message.get("messageId") or message.get("message_id")


def _pubsub_message(message: Any) -> tuple[Any, str | None]:
    if not isinstance(message, dict):
        raise InvalidRequest("the Pub/Sub envelope has no 'message' object")
    message_id = _header_safe("messageId", _message_id(message))
    encoded = message.get("data")
    if not isinstance(encoded, str) or not encoded:
        raise InvalidRequest("the Pub/Sub message has no 'data': it must carry the request")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest("the Pub/Sub message's 'data' is not valid base64") from None
    return decode_json(raw, what="the Pub/Sub message's data"), message_id
