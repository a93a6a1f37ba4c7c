"""The HTTP contract end to end: functions-framework's app, the real sandbox, every table row.

`make test` runs this module on the host (namespaces profile) and inside gVisor (gvisor
profile, chosen by `auto`).
"""

from __future__ import annotations

import http.client as http_client
import io
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import functions_framework
import pytest
from api import response as response_module
from api.response import MAX_RESPONSE_BYTES
from api.service import HttpRequest, Service
from helpers import (
    http,
    live_jail_processes,
    log_entries,
    nsjail_processes,
    server_uids,
    settings_with,
    strict_json,
    wait_for_a_request_jail,
)
from sandbox import Kind, Outcome, Sandbox

REPO = Path(__file__).resolve().parent.parent
HELLO = 'def main():\n    print("Hello from IDE")\n    return {"status": "ok"}'
NUMPY = (
    "def main():\n    import numpy as np\n    arr = np.array([1, 2, 3, 4, 5])\n"
    '    return {"mean": float(np.mean(arr))}'
)
JSON = {"Content-Type": "application/json"}
MKDIR = 'def main():\n    import os\n    os.mkdir("/should_fail")\n    return {"status": "created"}'


@pytest.fixture(scope="module")
def client():
    app = functions_framework.create_app("execute", str(REPO / "function/main.py"))
    return app.test_client()


def post(client, body, path="/execute", **kwargs):
    kwargs.setdefault("content_type", "application/json")
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    response = client.post(path, data=data, **kwargs)
    document = strict_json(response.data)
    assert document["execution_id"] == response.headers["X-Execution-Id"]
    assert response.headers["Content-Type"] == "application/json"
    return response, document


# The seed's three examples ------------------------------------------------------------------


def test_seed_hello(client):
    response, body = post(client, {"script": HELLO})
    assert response.status_code == 200
    assert body["result"] == {"status": "ok"}
    assert body["stdout"] == "Hello from IDE\n"
    assert body["truncated"] == {"stdout": False, "stderr": False}
    assert body["duration_ms"] > 0


def test_seed_numpy(client):
    response, body = post(client, {"script": NUMPY})
    assert (response.status_code, body["result"]) == (200, {"mean": 3.0})


def test_seed_mkdir_fails(client):
    response, body = post(client, {"script": MKDIR})
    assert response.status_code == 422
    assert body["error"]["code"] == "exception"
    assert "/should_fail" in body["error"]["message"]


def test_args_and_limits(client):
    response, body = post(
        client,
        {
            "script": "import time\ndef main(n):\n    time.sleep(n)",
            "args": {"n": 5},
            "limits": {"timeout_s": 0.5},
        },
    )
    assert response.status_code == 422
    assert body["error"]["code"] == "timeout"
    assert body["error"]["timeout_s"] == 0.5


def test_result_is_strict_json(client):
    response, body = post(client, {"script": "def main():\n    return [float('nan'), 1e400]"})
    assert body["result"] == [None, None]
    assert b"NaN" not in response.data and b"Infinity" not in response.data


# 400 ----------------------------------------------------------------------------------------

BAD_BODIES = [
    ("not JSON", b"{script: 1}", "not valid JSON", None),
    ("invalid UTF-8", b'{"script": "\xff"}', "not valid UTF-8", None),
    ("NaN token", b'{"script": "x", "args": {"a": NaN}}', "NaN is not a JSON value", None),
    ("array", b"[1, 2]", "must be a JSON object", None),
    ("string", b'"def main(): pass"', "must be a JSON object", None),
    ("null", b"null", "must be a JSON object", None),
    ("missing script", b"{}", "'script' is required", "script"),
    ("script not a string", b'{"script": ["x"]}', "must be a string", "script"),
    ("empty script", b'{"script": "   "}', "must not be empty", "script"),
    ("args not an object", b'{"script": "x", "args": [1]}', "'args' must be an object", "args"),
    ("limits not an object", b'{"script": "x", "limits": 5}', "must be an object", "limits"),
    ("unknown field", b'{"script": "x", "code": "y"}', "unknown field 'code'", "code"),
    ("duplicate key", b'{"script": "x", "script": "y"}', "appears twice", None),
    ("limit out of range", b'{"script": "x", "limits": {"timeout_s": 3600}}', "allowed range",
     "limits.timeout_s"),
    ("unknown limit", b'{"script": "x", "limits": {"disk": 1}}', "unknown limit", "limits.disk"),
    ("deep nesting", b'{"script": "x", "args": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
     "nested too deeply", None),
    ("publish not a boolean", b'{"script": "x", "publish": "yes"}', "must be true or false",
     "publish"),
    ("publish without a topic", b'{"script": "x", "publish": true}', "no results topic",
     "publish"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "message", "field"), [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES]
)
def test_invalid_requests_get_400_naming_the_problem(client, body, message, field):
    response, document = post(client, body)
    assert response.status_code == 400
    assert document["error"]["code"] == "invalid_request"
    assert message in document["error"]["message"]
    assert document["error"].get("field") == field


# 405, 413, 415 ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_get_405(client, method):
    response = client.open("/execute", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert strict_json(response.data)["error"]["code"] == "method_not_allowed"


def test_every_post_path_executes(client):
    response, body = post(client, {"script": HELLO}, path="/any/path")
    assert response.status_code == 200 and body["result"] == {"status": "ok"}


def test_put_to_a_document_gets_405_allowing_get(client):
    response = client.put("/healthz")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, POST"


def test_body_over_the_limit_gets_413_by_its_content_length(client):
    response, body = post(client, b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert body["error"]["code"] == "payload_too_large"


def test_chunked_body_over_the_limit_gets_413():
    service = Service(_started_sandbox(), max_body_bytes=1000, queue=0)
    reply, _ = service.handle(
        HttpRequest("POST", "/execute", {"content-type": "application/json"}, None,
                    io.BytesIO(b"{" + b" " * 5000 + b"}"))
    )  # fmt: skip
    assert reply.status == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_wrong_content_type_gets_415_naming_the_header(client, content_type):
    response, body = post(client, {"script": HELLO}, content_type=content_type)
    assert response.status_code == 415
    assert "Content-Type: application/json" in body["error"]["message"]


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json; charset=utf-8", 200),
        ("Application/JSON; charset=UTF-8; v=1", 200),
        ("application/json; v=1; charset=latin-1", 415),
        ("application/jsonx", 415),
    ],
)
def test_content_type_parameters_are_parsed(client, content_type, status):
    response, _ = post(client, {"script": HELLO}, content_type=content_type)
    assert response.status_code == status


# 422: every kind of script failure ------------------------------------------------------------

SCRIPT_FAILURES = [
    ("syntax_error", "def main(:\n  pass", {"line": 1, "offset": 10}),
    ("missing_main", "x = 1", {}),
    ("exception", "def main():\n    raise KeyError('k')", {"type": "KeyError"}),
    ("invalid_result", "def main():\n    return {'a': [object()]}", {"path": 'result["a"][0]'}),
    ("timeout", "def main():\n    while True: pass", {"limit": "cpu"}),
    ("memory_limit", "def main():\n    return bytearray(2**31)", {"memory_mib": 256}),
    (
        "killed",
        "import ctypes\ndef main():\n    ctypes.CDLL(None).syscall(165, 0, 0, 0, 0, 0)",
        {"signal": "SIGSYS", "syscall": "mount"},
    ),
    ("exited", "import sys\ndef main():\n    sys.exit(2)", {"exit_code": 2}),
]


@pytest.mark.parametrize(("code", "script", "details"), SCRIPT_FAILURES)
def test_script_failures_get_422_with_details(client, code, script, details):
    response, body = post(client, {"script": script, "limits": {"cpu_time_s": 1}})
    assert response.status_code == 422
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    for key, value in details.items():
        assert body["error"][key] == value


def test_exception_traceback_shows_only_the_script(client):
    _, body = post(client, {"script": "def main():\n    return 1 / 0"})
    assert body["error"]["traceback"].startswith("Traceback (most recent call last):\n")
    assert '"<script>", line 2, in main' in body["error"]["traceback"]
    assert "wrapper" not in body["error"]["traceback"]


# 429, 500, 503 ------------------------------------------------------------------------------


def _started_sandbox(**settings) -> Sandbox:
    sandbox = Sandbox(settings_with(**settings))
    sandbox.start()
    return sandbox


def _request(script: str, **limits) -> HttpRequest:
    body = json.dumps({"script": script, "limits": limits}).encode()
    return HttpRequest(
        "POST", "/execute", {"content-type": "application/json"}, len(body), io.BytesIO(body)
    )


def test_busy_beyond_slots_and_queue_gets_429_with_retry_after():
    service = Service(_started_sandbox(slots=1), max_body_bytes=1 << 20, queue=1)
    service.start()
    sleeper = "import time\ndef main():\n    time.sleep(1.5)\n    return 'slept'"
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: service.handle(_request(sleeper))[0], range(4)))
    statuses = sorted(reply.status for reply in replies)
    assert statuses == [200, 200, 429, 429]
    busy = next(reply for reply in replies if reply.status == 429)
    assert busy.headers["Retry-After"] == "1"
    assert busy.body["error"]["code"] == "busy"


def test_jail_killed_from_outside_is_a_500_and_the_service_goes_on(capsys):
    sandbox = _started_sandbox()
    service = Service(sandbox, max_body_bytes=1 << 20, queue=0)
    service.start()

    def kill_the_jail_soon() -> None:
        for _ in range(100):
            time.sleep(0.05)
            for proc in list(sandbox._jails._procs):  # NsJail itself, killed from outside
                os.kill(proc.pid, signal.SIGKILL)
                return

    killer = threading.Thread(target=kill_the_jail_soon)
    killer.start()
    reply, execution_id = service.handle(
        _request("import time\ndef main():\n    time.sleep(3)", timeout_s=5)
    )
    killer.join()
    assert reply.status == 500
    assert reply.body["error"]["code"] == "sandbox_error"
    assert execution_id in reply.body["error"]["message"]
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(
        entry["severity"] == "ERROR" and entry.get("execution_id") == execution_id
        for entry in logged
    )
    assert service.handle(_request("def main():\n    return 1"))[0].status == 200


def test_failed_self_test_gives_503_and_runs_nothing(tmp_path, capsys):
    service = Service(Sandbox(settings_with(nsjail=tmp_path / "missing-nsjail")), 1 << 20, 0)
    service.start()
    assert "NsJail binary not found" in capsys.readouterr().out
    reply, _ = service.handle(_request(HELLO))
    assert reply.status == 503
    assert reply.body["error"]["code"] == "unavailable"
    health, _ = service.handle(HttpRequest("GET", "/healthz", {}, None, io.BytesIO()))
    assert health.status == 503


# Documents and logs -------------------------------------------------------------------------


def test_healthz_reports_the_self_test(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert strict_json(response.data)["status"] == "ok"


def test_openapi_document_is_served(client):
    response = client.get("/openapi.json")
    document = strict_json(response.data)
    assert document["openapi"] == "3.1.0"
    assert "/execute" in document["paths"]
    limits = document["components"]["schemas"]["ExecutionRequest"]["properties"]["limits"]
    assert limits["properties"]["timeout_s"]["maximum"] == 60.0


def test_one_structured_log_line_per_execution_with_the_id(client, sandbox, capsys):
    capsys.readouterr()
    _, body = post(
        client,
        {"script": "def main():\n    print('SECRET-OUTPUT')\n    return 'SECRET-RESULT'"},
        headers={"X-Cloud-Trace-Context": "0123456789abcdef0123456789abcdef/1;o=1"},
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    entries = [e for e in lines if e.get("execution_id") == body["execution_id"]]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["severity"] == "INFO" and entry["outcome"] == "ok" and entry["status"] == 200
    assert entry["logging.googleapis.com/trace"].endswith("0123456789abcdef0123456789abcdef")
    assert entry["script_bytes"] > 0 and entry["duration_ms"] > 0
    if sandbox.cgroups is not None:  # The jail's own peak; unknown (left out) without a cgroup.
        assert entry["peak_memory_kib"] > 0
    else:
        assert "peak_memory_kib" not in entry
    assert "SECRET" not in json.dumps(entry)


# A real server, as the README starts it (the `server` fixture is in conftest.py) -------------


def test_real_server_answers_the_seed_examples(server):
    base, _, log_path = server
    assert http("POST", f"{base}/execute", {"script": HELLO})[2]["result"] == {"status": "ok"}
    assert http("POST", f"{base}/execute", {"script": NUMPY})[2]["result"] == {"mean": 3.0}
    status, headers, body = http("POST", f"{base}/execute", {"script": MKDIR})
    assert status == 422 and body["error"]["code"] == "exception"
    assert headers["X-Execution-Id"] == body["execution_id"]
    logged = log_entries(log_path)
    assert logged[0]["self_test"] == "passed"
    swap_warnings = [e for e in logged if e["message"].startswith("swap cannot be capped")]
    assert len(swap_warnings) == (not logged[0]["swap_capped"])
    assert [e["outcome"] for e in logged if e.get("execution_id") == body["execution_id"]] == [
        "exception"
    ]


def test_real_server_answers_20_requests_at_once(server):
    base, _, _ = server
    scripts = [f"def main():\n    return {i}" for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda s: http("POST", f"{base}/execute", {"script": s}), scripts))
    assert [status for status, _, _ in answers] == [200] * 20
    assert [body["result"] for _, _, body in answers] == list(range(20))
    assert len({body["execution_id"] for _, _, body in answers}) == 20


# Responses every strict client can take: bounded, UTF-8, no lone surrogate ----------------


def _raw_post(base: str, document: dict) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    connection = http_client.HTTPConnection(host, int(port), timeout=120)
    try:
        connection.request("POST", "/execute", json.dumps(document), JSON)
        return connection.getresponse().read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("written", "shown"),
    [("b'\\xff'", "\ufffd"), ("b'\\x01'", "\x01")],  # 3 bytes each as JSON; 6 bytes each
    ids=["invalid UTF-8", "control characters"],
)
def test_the_largest_outputs_are_cut_to_fit_the_response_bound(server, written, shown):
    base, _, _ = server
    script = (
        "import sys\ndef main():\n"
        f"    sys.stdout.buffer.write({written} * (8 << 20))\n"
        f"    sys.stderr.buffer.write({written} * (8 << 20))\n    return 'done'"
    )
    raw = _raw_post(base, {"script": script, "limits": {"max_output_bytes": 8 << 20}})
    assert len(raw) <= MAX_RESPONSE_BYTES
    body = strict_json(raw)
    assert body["result"] == "done"
    assert body["truncated"] == {"stdout": True, "stderr": True}
    for stream in ("stdout", "stderr"):  # Each keeps its start, and about half the room.
        assert body[stream] == shown * len(body[stream])
        assert len(json.dumps(body[stream], ensure_ascii=False).encode()) > 15 << 20


def test_a_result_too_large_for_any_response_is_an_invalid_result(server):
    """A forged frame of short numbers that grow when written again (1E15 ->
    1000000000000000.0): the only way past the bound with the built-in maximums."""
    base, _, _ = server
    script = (
        "import os, sys\ndef main():\n"
        "    frame = b'{\"kind\": \"ok\", \"result\": [' + b'1E15,' * 1_670_000 + b'1]}'\n"
        "    fd = int(sys.argv[1])\n    while frame:\n        frame = frame[os.write(fd, frame):]\n"
        "    os._exit(0)"
    )
    body = strict_json(_raw_post(base, {"script": script, "limits": {"max_output_bytes": 8 << 20}}))
    assert body["error"]["code"] == "invalid_result"
    assert "largest response" in body["error"]["message"]


def test_text_that_is_not_unicode_reaches_the_client_as_ufffd(client):
    script = (
        "import sys\ndef main():\n    sys.stdout.buffer.write(b'ok \\xff\\xfe')\n"
        "    sys.stderr.buffer.write('lone \\udfff'.encode('utf-8', 'surrogatepass'))\n"
        "    return {'name': 'caf\\udce9', '\\ud800': ['\\udfff']}"
    )
    response, body = post(client, {"script": script})
    assert response.status_code == 200
    assert body["result"] == {"name": "caf\ufffd", "\ufffd": ["\ufffd"]}
    assert body["stdout"] == "ok \ufffd\ufffd"
    assert body["stderr"] == "lone \ufffd\ufffd\ufffd"  # Its three bytes, each invalid UTF-8.
    response, body = post(client, {"script": "def main():\n    raise ValueError('\\udfff')"})
    assert body["error"]["message"] == "\ufffd"


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ('{"script": "def main(**a):\\n    return 1", "args": {"a": ["\\udfff"]}}', 'args["a"][0]'),
        ('{"script": "def main(**a):\\n    return 1", "args": {"\\ud800": 1}}', "a key of args"),
        ('{"script": "x = \'\\udc00\'\\ndef main():\\n    return x"}', "script"),
    ],
    ids=["in args", "in a key", "in the script"],
)
def test_a_lone_surrogate_in_a_request_is_a_400_naming_where(client, document, where):
    response, body = post(client, document)
    assert response.status_code == 400
    assert body["error"]["code"] == "invalid_request"
    assert where in body["error"]["message"] and "lone surrogate" in body["error"]["message"]


class _BrokenSandbox:
    """A sandbox with a bug: what the last resort is for (a stand-in, as no real part fails
    this way on purpose)."""

    def __init__(self, settings):
        self.settings = settings
        self.uids = [65000]
        self.profile = "namespaces"
        self.unhealthy = None
        self.cgroups = None

    def start(self):
        return self

    def run(self, *_):
        raise KeyError("a bug")


def test_anything_unexpected_is_a_json_500_logged_with_its_id(capsys):
    service = Service(_BrokenSandbox(settings_with()), max_body_bytes=1 << 20, queue=0)
    service.unavailable_reason = None
    reply, execution_id = service.handle(_request(HELLO))
    assert reply.status == 500 and reply.body["error"]["code"] == "internal_error"
    assert execution_id in reply.body["error"]["message"]
    strict_json(reply.payload)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    fault = next(entry for entry in logged if entry["message"].startswith("internal error"))
    assert fault["execution_id"] == execution_id and "KeyError: 'a bug'" in fault["traceback"]


def test_a_cut_response_is_never_a_byte_over_the_bound(monkeypatch):
    """One stream fits whole ("truncated": false), the other is cut to fill the rest exactly."""
    monkeypatch.setattr(response_module, "MAX_RESPONSE_BYTES", 1000)
    for sizes in [(10, 5000), (5000, 10), (5000, 5000), (400, 800)]:
        outcome = Outcome(Kind.OK, result=1, stdout="o" * sizes[0], stderr="e" * sizes[1])
        reply = response_module.from_outcome(outcome, "id")
        assert len(reply.payload) <= 1000, sizes
        assert len(reply.payload) >= 990, sizes  # And the room is used.


# Last, as it stops the module's server ------------------------------------------------------


def test_sigterm_kills_running_jails_and_leaves_nothing(server):
    base, process, log_path = server
    jail_uids = server_uids(log_path)
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(
            http, "POST", f"{base}/execute",
            {"script": "import time\ndef main():\n    time.sleep(30)", "limits": {"timeout_s": 40}},
        )  # fmt: skip
        wait_for_a_request_jail(jail_uids)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            status, _, body = pending.result(timeout=20)
            assert status == 503 and body["error"]["code"] == "unavailable"
        except OSError:
            pass  # The connection may also close as the worker exits; both are acceptable.
    process.wait(timeout=30)
    assert time.monotonic() - started < 10, "shutdown took longer than Cloud Run allows"
    assert live_jail_processes(jail_uids) == []
    assert nsjail_processes(jail_uids) == []
