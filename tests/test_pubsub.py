"""The whole Pub/Sub loop against the real Pub/Sub emulator: requests pushed to a real server,
results published to a results topic and pulled back, with the official client throughout.

The emulator (`gcloud beta emulators pubsub start`, Java) is started on a free loopback port
for this module and stopped after it. It cannot start: the tests fail, saying why.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from api import results
from api.response import from_outcome
from api.service import Service
from google.api_core.exceptions import DeadlineExceeded
from helpers import http, log_entries, pubsub_emulator, serve
from sandbox import ConfigError

PROJECT = "pyexec-test"
HELLO = 'def main():\n    print("Hello from IDE")\n    return {"status": "ok"}'
NUMPY = (
    "def main():\n    import numpy as np\n    arr = np.array([1, 2, 3, 4, 5])\n"
    '    return {"mean": float(np.mean(arr))}'
)
MKDIR = 'def main():\n    import os\n    os.mkdir("/should_fail")\n    return {"status": "created"}'
#: How long a message may take to come back: a push, a run, a publish, a pull (or a
#: redelivery after the push subscription's back-off).
WITHIN_S = 90


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with pubsub_emulator(tmp_path_factory.mktemp("emulator"), PROJECT) as host:
        yield host


@pytest.fixture(scope="module")
def clients(emulator):
    os.environ["PUBSUB_EMULATOR_HOST"] = emulator  # the official client honours it
    from google.cloud import pubsub_v1

    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    yield publisher, subscriber
    subscriber.close()
    del os.environ["PUBSUB_EMULATOR_HOST"]


@pytest.fixture(scope="module")
def loop(emulator, clients, tmp_path_factory):
    """A server whose results go to `results`, a push subscription from `requests` to it, and
    a pull subscription on `results`: (base URL, log path, publisher, subscriber)."""
    publisher, subscriber = clients
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    results = publisher.topic_path(PROJECT, "results")
    requests = publisher.topic_path(PROJECT, "requests")
    publisher.create_topic(name=results)
    publisher.create_topic(name=requests)
    _pull_subscription(subscriber, "results-pull", results)
    env = {"PYEXEC_RESULTS_TOPIC": results, "PUBSUB_EMULATOR_HOST": emulator,
           "PYEXEC_SLOTS": "2", "PYEXEC_PUBLISH_TIMEOUT_S": "5"}  # fmt: skip
    with serve(log_path, **env) as (base, _):
        subscriber.create_subscription(
            name=subscriber.subscription_path(PROJECT, "requests-push"),
            topic=requests,
            push_config={"push_endpoint": f"{base}/execute"},
            ack_deadline_seconds=30,
        )
        yield base, log_path, publisher, subscriber


def _pull_subscription(subscriber, name: str, topic: str) -> str:
    path = subscriber.subscription_path(PROJECT, name)
    subscriber.create_subscription(name=path, topic=topic, ack_deadline_seconds=60)
    return path


def _pull(subscriber, subscription: str, count: int, within_s: float = WITHIN_S) -> list:
    """Pull until ``count`` messages came (acking them), or the time is up."""
    received = []
    deadline = time.monotonic() + within_s
    while len(received) < count and time.monotonic() < deadline:
        try:
            answer = subscriber.pull(subscription=subscription, max_messages=10, timeout=5)
        except DeadlineExceeded:  # nothing to pull yet
            continue
        if answer.received_messages:
            subscriber.acknowledge(
                subscription=subscription, ack_ids=[m.ack_id for m in answer.received_messages]
            )
        received += [m.message for m in answer.received_messages]
    return received


def _publish(publisher, document: dict | bytes) -> str:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return publisher.publish(publisher.topic_path(PROJECT, "requests"), data).result(timeout=30)


def _logged(log_path: Path, **match) -> list[dict]:
    return [e for e in log_entries(log_path) if all(e.get(k) == v for k, v in match.items())]


def test_each_request_s_result_comes_back_once_and_a_poison_message_never_runs(loop):
    _, log_path, publisher, subscriber = loop
    sent = {_publish(publisher, {"script": s}): s for s in (HELLO, NUMPY, MKDIR)}
    poison = _publish(publisher, b"not json")
    subscription = subscriber.subscription_path(PROJECT, "results-pull")

    messages = _pull(subscriber, subscription, 3)
    assert sorted(m.attributes["causation_id"] for m in messages) == sorted(sent)
    by_script = {sent[m.attributes["causation_id"]]: m for m in messages}
    expected = {HELLO: ("ok", "200"), NUMPY: ("ok", "200"), MKDIR: ("exception", "422")}
    for script, (outcome, status) in expected.items():
        message = by_script[script]
        document = json.loads(message.data)
        attributes = dict(message.attributes)
        assert attributes == {
            "execution_id": document["execution_id"], "causation_id": attributes["causation_id"],
            "outcome": outcome, "status": status, "profile": attributes["profile"],
            "trigger": "pubsub",
        }  # fmt: skip
        assert attributes["profile"] in ("namespaces", "gvisor")
    assert json.loads(by_script[HELLO].data)["result"] == {"status": "ok"}
    assert json.loads(by_script[HELLO].data)["stdout"] == "Hello from IDE\n"
    assert json.loads(by_script[NUMPY].data)["result"] == {"mean": 3.0}
    assert json.loads(by_script[MKDIR].data)["error"]["type"] == "OSError"

    # The poison message was refused (400, so it goes to the dead-letter topic), every time it
    # came, never run, and nothing more was published.
    assert _pull(subscriber, subscription, 1, within_s=5) == []
    refused = _logged(log_path, pubsub_message_id=poison)
    assert refused and {e["outcome"] for e in refused} == {"invalid_request"}
    assert {e["status"] for e in refused} == {400}
    assert all(e.get("published_message_id") is None for e in refused)
    for message_id in sent:  # each request ran once, and its result was published once
        ran = _logged(log_path, pubsub_message_id=message_id)
        assert len(ran) == 1 and ran[0]["published_message_id"], ran


def test_a_result_that_cannot_be_published_is_redelivered_not_lost(loop):
    _, log_path, publisher, subscriber = loop
    results = publisher.topic_path(PROJECT, "results")
    push = subscriber.subscription_path(PROJECT, "requests-push")
    endpoint = subscriber.get_subscription(subscription=push).push_config.push_endpoint
    publisher.delete_topic(topic=results)
    message_id = _publish(publisher, {"script": "def main():\n    return 'again'"})
    deadline = time.monotonic() + WITHIN_S
    while not _logged(log_path, pubsub_message_id=message_id):
        assert time.monotonic() < deadline, "the request was never pushed"
        time.sleep(0.2)
    # Pushes paused while the topic comes back with a subscription (a topic's old
    # subscriptions stay detached from it), so that the redelivery's result has somewhere to go.
    subscriber.modify_push_config(subscription=push, push_config={})
    _settle(log_path, message_id)  # a push already under way ends first
    publisher.create_topic(name=results)
    subscription = _pull_subscription(subscriber, "results-after", results)
    subscriber.modify_push_config(subscription=push, push_config={"push_endpoint": endpoint})
    failed = _logged(log_path, pubsub_message_id=message_id)[0]
    assert (failed["status"], failed["outcome"]) == (503, "result_not_published")

    messages = _pull(subscriber, subscription, 1)
    assert [m.attributes["causation_id"] for m in messages] == [message_id]
    assert json.loads(messages[0].data)["result"] == "again"
    _settle(log_path, message_id)  # the run's log line comes just after its publish
    runs = _logged(log_path, pubsub_message_id=message_id)
    assert [e["status"] for e in runs][-1] == 200 and all(e["status"] == 503 for e in runs[:-1])
    assert len({e["execution_id"] for e in runs}) == len(runs)  # the script ran again
    assert messages[0].attributes["execution_id"] == runs[-1]["execution_id"]


def _settle(log_path: Path, message_id: str, quiet_s: float = 3) -> None:
    """Wait until no new log line about the message has come for ``quiet_s``."""
    seen, since = -1, time.monotonic()
    while time.monotonic() - since < quiet_s:
        count = len(_logged(log_path, pubsub_message_id=message_id))
        if count != seen:
            seen, since = count, time.monotonic()
        time.sleep(0.2)


def test_a_cloudevent_s_result_is_published_and_a_plain_http_request_s_is_not(loop):
    base, _, publisher, subscriber = loop
    subscription = _pull_subscription(
        subscriber, "results-events", publisher.topic_path(PROJECT, "results")
    )
    headers = {"Content-Type": "application/json", "ce-specversion": "1.0",
               "ce-type": "dev.pyexec.execution.requested", "ce-source": "/tests",
               "ce-id": "req-77", "ce-subject": "report-77"}  # fmt: skip
    body = json.dumps({"script": "def main():\n    return 77"}).encode()
    status, _, answered = http("POST", f"{base}/execute", body, headers)
    assert (status, answered["result"]) == (200, 77)
    assert http("POST", f"{base}/execute", {"script": "def main():\n    return 0"})[0] == 200
    messages = _pull(subscriber, subscription, 2, within_s=15)
    assert len(messages) == 1 and json.loads(messages[0].data) == answered
    assert dict(messages[0].attributes) == {
        "execution_id": answered["execution_id"], "causation_id": "req-77",
        "subject": "report-77", "outcome": "ok", "status": "200",
        "profile": messages[0].attributes["profile"], "trigger": "cloudevent",
    }  # fmt: skip


def test_an_http_caller_may_ask_for_its_result_to_be_published(loop):
    base, _, publisher, subscriber = loop
    results = publisher.topic_path(PROJECT, "results")
    subscription = _pull_subscription(subscriber, "results-http", results)
    request = {"script": "def main():\n    return 7", "publish": True}
    status, _, body = http("POST", f"{base}/execute", request)
    assert (status, body["result"]) == (200, 7)
    messages = _pull(subscriber, subscription, 1)
    assert json.loads(messages[0].data) == body
    assert dict(messages[0].attributes) == {
        "execution_id": body["execution_id"], "outcome": "ok", "status": "200",
        "profile": messages[0].attributes["profile"], "trigger": "http",
    }  # fmt: skip


@pytest.mark.parametrize("topic", ["results", "projects/p/topics/t", "projects/my-project/x/y"])
def test_a_results_topic_that_is_not_a_full_name_stops_the_service(topic):
    with pytest.raises(ConfigError, match="PYEXEC_RESULTS_TOPIC"):
        Service.from_env({"PYEXEC_RESULTS_TOPIC": topic})


def test_a_published_result_is_cut_to_what_pubsub_takes(run):
    script = (
        "import sys\ndef main():\n"
        "    sys.stdout.write('o' * (8 << 20))\n    sys.stderr.write('e' * (8 << 20))\n    return 1"
    )
    outcome = run(script, max_output_bytes=8 << 20, timeout_s=30)
    published = from_outcome(outcome, "e", results.MAX_MESSAGE_BYTES)
    assert len(published.payload) <= results.MAX_MESSAGE_BYTES < 10_000_000
    assert published.body["result"] == 1
    assert published.body["truncated"] == {"stdout": True, "stderr": True}
    assert from_outcome(outcome, "e").body["truncated"] == {"stdout": False, "stderr": False}
