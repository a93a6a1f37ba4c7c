"""The OpenAPI 3.1 document served at GET /openapi.json.

Built from the running settings, so the limits' ranges it states are the ones enforced.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sandbox import Kind, Settings
from sandbox.limits import MINIMUMS, Limits

from api.errors import ApiError
from api.request import MAX_ARGS_DEPTH
from api.response import MAX_RESPONSE_BYTES

VERSION = "1.2.0"

#: Every error.code: the API's refusals and faults (api/errors.py), then the script's failures.
ERROR_CODES = [
    *(error.code for error in ApiError.__subclasses__()),
    *(kind.value for kind in Kind if kind is not Kind.OK),
]
FAILURE_STATUSES = sorted({str(error.status) for error in ApiError.__subclasses__()} | {"422"})


def document(
    settings: Settings, max_body_bytes: int, results_topic: str | None = None
) -> dict[str, Any]:
    defaults, maximums = settings.limits.defaults, settings.limits.maximums
    limit_properties = {
        f.name: {
            "type": "integer" if isinstance(getattr(defaults, f.name), int) else "number",
            "minimum": MINIMUMS[f.name],
            "maximum": getattr(maximums, f.name),
            "default": getattr(defaults, f.name),
        }
        for f in fields(Limits)
    }
    failure = _response("Failure", "The script failed, or the request was refused.")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pyexec",
            "version": VERSION,
            "description": (
                "Runs an untrusted Python script's main() in NsJail and returns what it "
                "returned, with what it printed. Every POST path executes (but /robots.txt "
                "and /favicon.ico, 404); /execute is the documented one. Request bodies are at "
                f"most {max_body_bytes} bytes. Response bodies are UTF-8 JSON of at most "
                f"{MAX_RESPONSE_BYTES} bytes: stdout and stderr are cut to fit, as `truncated` "
                "says, and text that is not valid Unicode (invalid UTF-8 in stdout or stderr, "
                "a lone surrogate in a result) is sent as U+FFFD."
            ),
        },
        "paths": {
            "/execute": {
                "post": {
                    "operationId": "execute",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ExecutionRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": _response("Success", "main() returned; `result` is its value."),
                        **dict.fromkeys(FAILURE_STATUSES, failure),
                    },
                }
            },
            "/": {
                "get": {
                    "operationId": "playground",
                    "description": "The browser playground (PYEXEC_PLAYGROUND), a page that "
                    "calls POST /execute; its assets are under /playground/.",
                    "responses": {
                        "200": {"description": "The page.", "content": {"text/html": {}}},
                        "404": failure,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "responses": {"200": {"description": "This document."}},
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "responses": {
                        "200": {"description": "The sandbox passed its start-up self-test."},
                        "503": {"description": "It did not; nothing is executed."},
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "ExecutionRequest": {
                    "type": "object",
                    "required": ["script"],
                    "additionalProperties": False,
                    "properties": {
                        "script": {
                            "type": "string",
                            "minLength": 1,
                            "description": "Python source that defines main().",
                        },
                        "args": {
                            "type": "object",
                            "description": "Keyword arguments: main(**args). Nested at "
                            f"most {MAX_ARGS_DEPTH} arrays or objects deep.",
                        },
                        "limits": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": limit_properties,
                        },
                        "publish": {
                            "type": "boolean",
                            "default": False,
                            "description": _publish_description(results_topic),
                        },
                    },
                },
                "Truncated": {
                    "type": "object",
                    "description": "Whether stdout or stderr was cut: past max_output_bytes, "
                    "or to fit the response's bound.",
                    "required": ["stdout", "stderr"],
                    "properties": {"stdout": {"type": "boolean"}, "stderr": {"type": "boolean"}},
                },
                "Success": {
                    "type": "object",
                    "required": [
                        "result",
                        "stdout",
                        "stderr",
                        "truncated",
                        "duration_ms",
                        "execution_id",
                    ],
                    "properties": {
                        "result": {"description": "What main() returned, as JSON."},
                        "stdout": {"type": "string"},
                        "stderr": {"type": "string"},
                        "truncated": {"$ref": "#/components/schemas/Truncated"},
                        "duration_ms": {"type": "number"},
                        "execution_id": {"type": "string"},
                    },
                },
                "Failure": {
                    "type": "object",
                    "required": ["error", "stdout", "stderr", "execution_id"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string", "enum": ERROR_CODES},
                                "message": {"type": "string"},
                                "syscall": {
                                    "type": "string",
                                    "description": (
                                        "killed by SIGSYS: the system call the sandbox does "
                                        "not allow, by its Linux name (`kexec_load`; "
                                        "`x32 socket` for an x32 call). Absent where the "
                                        "sandbox could not tell which."
                                    ),
                                },
                            },
                        },
                        "stdout": {"type": "string"},
                        "stderr": {"type": "string"},
                        "truncated": {"$ref": "#/components/schemas/Truncated"},
                        "duration_ms": {"type": "number"},
                        "execution_id": {"type": "string"},
                    },
                },
            }
        },
    }


def _response(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "X-Execution-Id": {"schema": {"type": "string"}, "description": "As in the body."}
        },
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _publish_description(topic: str | None) -> str:
    where = (
        f"This service's results topic is {topic}."
        if topic
        else "This service has no results topic: true is refused with 400."
    )
    return (
        "Publish the result to the results topic (PYEXEC_RESULTS_TOPIC) as well, as the "
        "results of Pub/Sub and CloudEvent requests always are: the message's data is this "
        "response's body, its attributes execution_id, outcome, status, profile and trigger "
        "(http). The answer waits for Pub/Sub to accept it, one attempt of at most "
        "PYEXEC_PUBLISH_TIMEOUT_S; if it does not, 503 result_not_published (the script "
        "ran, and runs again if the request is retried). A published body is cut to 9 MiB, not "
        f"{MAX_RESPONSE_BYTES} bytes. {where}"
    )
