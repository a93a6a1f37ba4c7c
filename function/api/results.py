"""Results published to Pub/Sub: one message per execution, where PYEXEC_RESULTS_TOPIC is set.

Pub/Sub and Eventarc throw away the body of the answer to a push, so a caller who sent its
request through them gets its result from a results topic instead. Every execution requested
by a Pub/Sub message or a CloudEvent, and every HTTP request with ``"publish": true``, whose
script ran (200 or 422) publishes one message, before the request is answered:

- data: the JSON document the HTTP caller gets (the same bytes);
- attributes, for subscribers to filter on without parsing the data: ``execution_id``,
  ``causation_id`` (the Pub/Sub message id, or the CloudEvent id, of the request: one request
  redelivered runs again, and its results share it), ``subject`` (the CloudEvent's, if any),
  ``outcome`` (``ok`` or the error code), ``status`` (the HTTP status), ``profile``,
  ``trigger`` (``pubsub``, ``cloudevent`` or ``http``).

No ordering key: results of different requests are independent, and an ordering key would
make a failed publish block every later one with the same key until it is resumed.

Each execution makes one publish attempt, bounded by PYEXEC_PUBLISH_TIMEOUT_S, and no retry
of the library's: if Pub/Sub does not accept the message in time, the request is answered 503
``result_not_published``; Pub/Sub redelivers it, and the script runs again, rather than a
result being lost. (An attempt that timed out may still have been stored by Pub/Sub: the
redelivered request's run then publishes a second result with the same ``causation_id``.)
The library is imported only here, when a topic is configured, so an HTTP-only deployment
does not pay for it.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from typing import Any

from api.errors import ResultNotPublished

#: Pub/Sub's own limit is 10 MB for a message's data and attributes together: a document
#: that is published is cut to this (stdout and stderr first, as for a response).
MAX_MESSAGE_BYTES = 9 * 1024 * 1024
DEFAULT_TIMEOUT_S = 10.0
_TOPIC = re.compile(
    r"projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][A-Za-z0-9_.~+%-]{2,254}"
)


def check_topic(topic: str) -> str | None:
    """Why ``topic`` is not a full topic name (``projects/P/topics/T``), or None."""
    if _TOPIC.fullmatch(topic):
        return None
    return f"{topic!r} is not a topic name of the form projects/PROJECT/topics/TOPIC"


class ResultPublisher:
    """Publishes result documents to one topic, one at a time, each within ``timeout_s``.

    The library is imported when this is made (at start-up, in gunicorn's master); its client,
    a gRPC channel, is made by the first publish of each process, since a channel does not
    survive a fork into gunicorn's workers.
    """

    def __init__(self, topic: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        import google.auth
        from google.cloud import pubsub_v1

        self.topic = topic
        self.timeout_s = timeout_s
        self._pubsub = pubsub_v1
        if not os.environ.get("PUBSUB_EMULATOR_HOST"):  # the emulator takes no credentials
            google.auth.default()  # no credentials: refused at start-up, not at each publish
        self._lock = threading.Lock()
        self._client: Any = None
        self._client_pid: int | None = None

    def _publisher(self) -> Any:
        with self._lock:
            if self._client is None or self._client_pid != os.getpid():
                # One message per batch, sent at once: a result waits for no other.
                batch = self._pubsub.types.BatchSettings(max_messages=1, max_latency=0)
                self._client = self._pubsub.PublisherClient(batch_settings=batch)
                self._client_pid = os.getpid()
            return self._client

    def publish(self, data: bytes, attributes: Mapping[str, str]) -> str:
        """Publish one message and wait for Pub/Sub's message id; ResultNotPublished if it
        was not accepted in time (or the client could not even be made)."""
        try:
            # One attempt, bounded by the timeout: no retry of the library's may send the
            # message after the request was answered 503 (Pub/Sub's redelivery is the retry).
            future = self._publisher().publish(
                self.topic, data, retry=None, timeout=self.timeout_s, **attributes
            )
            return str(future.result(timeout=self.timeout_s + 5))
        except Exception as exc:  # noqa: BLE001 - every failure is the same answer: retry
            raise ResultNotPublished(
                f"the script ran, but its result could not be published to {self.topic} "
                f"({type(exc).__name__}: {_first_line(exc)}); the request may be retried, and "
                "the script will run again",
                {"Retry-After": "10"},
            ) from None

    def close(self) -> None:
        with self._lock:
            if self._client is not None and self._client_pid == os.getpid():
                self._client.stop()
            self._client = None


def attributes(
    execution_id: str, outcome: str, status: int, profile: str, trigger: str,
    causation_id: str | None, subject: str | None,
) -> dict[str, str]:  # fmt: skip
    """The message attributes of a result (see the module docstring); none is empty."""
    values = {
        "execution_id": execution_id,
        "causation_id": causation_id,
        "subject": subject,
        "outcome": outcome,
        "status": str(status),
        "profile": profile,
        "trigger": trigger,
    }
    return {key: value for key, value in values.items() if value}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else "no detail"
