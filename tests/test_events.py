"""CloudEvents and Pub/Sub on the one HTTP entry point, with the real sandbox.

Events are built with the cloudevents SDK (to_binary, to_structured) and Pub/Sub payloads in
the shapes Eventarc and push subscriptions send.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import functions_framework
import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent, from_http
from helpers import http

REPO = Path(__file__).resolve().parent.parent
HELLO = {"script": 'def main():\n    print("hi")\n    return {"status": "ok"}'}
FAILING = {"script": "def main():\n    return 1 / 0"}


@pytest.fixture(scope="module")
def client():
    return functions_framework.create_app("execute", str(REPO / "function/main.py")).test_client()


def request_event(data, **attributes) -> CloudEvent:
    return CloudEvent(
        {
            "type": "dev.pyexec.execution.requested",
            "source": "/tests/workflow",
            "id": "request-1",
            **attributes,
        },
        data,
    )


def pubsub_message(payload: bytes, message_id: str = "msg-42") -> dict:
    return {
        "data": base64.b64encode(payload).decode(),
        "messageId": message_id,
        "publishTime": "2026-11-26T00:00:00Z",
        "attributes": {},
    }


def send(client, headers, body):
    return client.post("/", headers=dict(headers), data=body)


def reply_event(response) -> CloudEvent:
    assert response.status_code == 200
    return from_http(dict(response.headers), response.data)


# What is accepted -------------------------------------------------------------------------


def test_binary_cloudevent_gets_a_completed_reply_event(client):
    response = send(client, *to_binary(request_event(HELLO, subject="job-7")))
    event = reply_event(response)
    assert event["type"] == "dev.pyexec.execution.completed"
    assert event["causationid"] == "request-1"
    assert event["subject"] == "job-7"
    assert event["source"].startswith("/pyexec/")
    assert event["id"] != "request-1"
    assert event.data["result"] == {"status": "ok"}
    assert event.data["stdout"] == "hi\n"
    assert event["executionid"] == event.data["execution_id"] == response.headers["X-Execution-Id"]


def test_structured_cloudevent_is_accepted(client):
    headers, body = to_structured(request_event(HELLO))
    assert headers["content-type"] == "application/cloudevents+json"
    event = reply_event(send(client, headers, body))
    assert event["type"] == "dev.pyexec.execution.completed"
    assert event.data["result"] == {"status": "ok"}


def test_script_failure_is_an_answer_not_a_fault(client):
    event = reply_event(send(client, *to_binary(request_event(FAILING))))
    assert event["type"] == "dev.pyexec.execution.failed"
    assert event.data["error"]["code"] == "exception"
    assert event.data["error"]["type"] == "ZeroDivisionError"


def test_eventarc_pubsub_cloudevent_is_accepted(client):
    envelope = {
        "message": pubsub_message(json.dumps(HELLO).encode()),
        "subscription": "projects/p/subscriptions/eventarc-sub",
    }
    published = CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub.googleapis.com/projects/p/topics/executions",
            "id": "msg-42",
        },
        envelope,
    )
    event = reply_event(send(client, *to_binary(published)))
    assert event["type"] == "dev.pyexec.execution.completed"
    assert event["causationid"] == "msg-42"
    assert event.data["result"] == {"status": "ok"}


def test_raw_pubsub_push_is_accepted(client):
    envelope = {
        "message": pubsub_message(json.dumps(HELLO).encode(), "push-1"),
        "subscription": "projects/p/subscriptions/push-sub",
    }
    response = client.post("/", json=envelope)
    event = reply_event(response)
    assert event["causationid"] == "push-1"
    assert event.data["result"] == {"status": "ok"}


def test_event_execution_is_logged_with_the_event(client, capsys):
    capsys.readouterr()
    envelope = {
        "message": pubsub_message(json.dumps(HELLO).encode(), "dup-9"),
        "subscription": "projects/p/subscriptions/push-sub",
    }
    for _ in range(2):  # A redelivery runs again, and the log shows it.
        client.post("/", json=envelope)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    runs = [e for e in logged if e.get("pubsub_message_id") == "dup-9"]
    assert len(runs) == 2
    assert {e["outcome"] for e in runs} == {"ok"}
    assert runs[0]["event_source"] == "projects/p/subscriptions/push-sub"


def test_a_huge_subscription_name_makes_no_huge_log_line(client, capsys):
    capsys.readouterr()
    envelope = {
        "message": pubsub_message(json.dumps(HELLO).encode(), "huge-1"),
        "subscription": "s" * 900_000,
    }
    assert client.post("/", json=envelope).status_code == 200
    lines = capsys.readouterr().out.splitlines()
    (entry,) = [json.loads(ln) for ln in lines if '"huge-1"' in ln]
    assert max(len(line) for line in lines) < 4096
    assert entry["event_source"].endswith("(900000 characters, clipped)")


# Poison messages: 400, so that brokers do not redeliver them -------------------------------

POISON = [
    ("bad base64", {"message": {"data": "***", "messageId": "m"}, "subscription": "s"},
     "not valid base64"),
    ("bad JSON", {"message": pubsub_message(b"{nope"), "subscription": "s"}, "not valid JSON"),
    ("missing script", {"message": pubsub_message(b'{"args": {}}'), "subscription": "s"},
     "'script' is required"),
    ("no data", {"message": {"messageId": "m"}, "subscription": "s"}, "has no 'data'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("envelope", "message"), [p[1:] for p in POISON], ids=[p[0] for p in POISON]
)
def test_poison_pubsub_messages_get_400(client, envelope, message):
    response = client.post("/", json=envelope)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"args": {}}, "'script' is required"),
        (b"not json", "not valid JSON"),
        ({"script": "x", "extra": 1}, "unknown field 'extra'"),
        ({"script": "x", "limits": {"timeout_s": 9999}}, "allowed range"),
    ],
)
def test_invalid_cloudevent_requests_get_400(client, data, message):
    event = request_event(data)
    if isinstance(data, bytes):
        event["datacontenttype"] = "application/json"
    response = send(client, *to_binary(event))
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


def test_unknown_event_type_gets_400_listing_the_accepted_ones(client):
    response = send(client, *to_binary(request_event(HELLO, type="com.example.other")))
    assert response.status_code == 400
    assert "dev.pyexec.execution.requested" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("id", "a\r\nX-Injected: 1"), ("subject", "caf\u00e9"), ("id", "x" * 300)],
)
def test_attributes_the_reply_repeats_must_be_header_safe(client, attribute, value, capsys):
    headers, body = to_structured(request_event(HELLO, **{attribute: value}))
    capsys.readouterr()
    response = send(client, headers, body)
    assert response.status_code == 400
    assert f"event's {attribute} must be printable ASCII" in response.get_json()["error"]["message"]
    assert '"outcome": "ok"' not in capsys.readouterr().out  # refused before anything ran


def test_batched_cloudevents_get_a_clear_400(client):
    batch = json.dumps([json.loads(to_structured(request_event(HELLO))[1])])
    response = client.post(
        "/", data=batch, headers={"Content-Type": "application/cloudevents-batch+json"}
    )
    assert response.status_code == 400
    assert "batched CloudEvents are not accepted" in response.get_json()["error"]["message"]


def test_cloudevent_missing_required_attributes_gets_400(client):
    response = client.post(
        "/", data=json.dumps(HELLO),
        headers={"Content-Type": "application/json", "ce-specversion": "1.0"},
    )  # fmt: skip
    assert response.status_code == 400


def test_plain_http_contract_is_unchanged(client):
    response = client.post("/execute", json=HELLO)
    assert response.status_code == 200
    assert not any(name.lower().startswith("ce-") for name in response.headers.keys())
    assert response.get_json()["result"] == {"status": "ok"}


def test_real_server_answers_a_binary_cloudevent_over_http(server):
    base, _, _ = server
    headers, body = to_binary(request_event(HELLO, subject="over-http"))
    status, reply_headers, document = http("POST", f"{base}/", body, headers)
    assert status == 200
    lowered = {name.lower(): value for name, value in reply_headers.items()}
    assert lowered["ce-type"] == "dev.pyexec.execution.completed"
    assert lowered["ce-causationid"] == "request-1"
    assert lowered["ce-subject"] == "over-http"
    assert document["result"] == {"status": "ok"}
