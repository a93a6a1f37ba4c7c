"""Structured logs: one JSON line per event on stdout, in the Cloud Logging format.

Cloud Run and Knative collect stdout; Cloud Logging reads ``severity``, ``message`` and
``logging.googleapis.com/trace`` from each line. A script and its output are never logged.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

_lock = threading.Lock()
_PROJECT = next(
    (os.environ[v] for v in ("GOOGLE_CLOUD_PROJECT", "GCP_PROJECT") if os.environ.get(v)), None
)


#: Longest text a log field keeps (Cloud Logging splits or drops entries over 256 KB, and a
#: client controls some fields: an event's source, a subscription's name).
MAX_FIELD_CHARS = 1024
#: Except a traceback of the service's own (never a client's text), which keeps its last part.
MAX_TRACEBACK_CHARS = 16 * 1024


def log(severity: str, message: str, **fields: Any) -> None:
    entry = {"severity": severity, "message": _clip(message), "time": _now()}
    entry.update((key, _clip(value)) for key, value in fields.items() if value is not None)
    line = json.dumps(entry, default=str) + "\n"
    with _lock:  # One write per line, never interleaved across threads.
        sys.stdout.write(line)
        sys.stdout.flush()


def trace_field(headers: Mapping[str, str]) -> dict[str, str]:
    """``logging.googleapis.com/trace`` from an ``X-Cloud-Trace-Context: TRACE/SPAN;o=1``."""
    value = headers.get("x-cloud-trace-context", "")
    trace = value.split("/", 1)[0].strip()
    if not trace or not trace.isalnum():
        return {}
    if _PROJECT:
        trace = f"projects/{_PROJECT}/traces/{trace}"
    return {"logging.googleapis.com/trace": trace}


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
        return f"{value[:MAX_FIELD_CHARS]}... ({len(value)} characters, clipped)"
    return value


def _now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z"
