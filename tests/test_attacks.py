"""The adversarial catalogue (tests/attacks.py) through the real API, in this host's profile.

`make test-gvisor` runs this module again inside gVisor, in the gvisor profile.
"""

from __future__ import annotations

import json
import secrets
import socket
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import functions_framework
import pytest
from attacks import ATTACKS, Attack
from helpers import (
    http,
    leftover_folders,
    leftovers,
    no_jails_within,
    serve,
    server_uids,
    strict_json,
)
from sandbox import uids

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def client():
    return functions_framework.create_app("execute", str(REPO / "function/main.py")).test_client()


def placeholders(sandbox, port: int, abstract: str) -> dict[str, object]:
    return {
        "{function_source}": str(REPO / "function/main.py"),
        "{nsjail}": str(sandbox.settings.nsjail),
        "{port}": port,
        "{abstract}": abstract,
    }


@pytest.fixture
def abstract_listener():
    """An AF_UNIX socket of the host's, by an abstract name, that records who connected."""
    name = f"pyexec-test-{secrets.token_hex(8)}"
    server = socket.socket(socket.AF_UNIX)
    server.bind("\0" + name)
    server.listen(1)
    server.setblocking(False)
    yield name, server
    server.close()


def connected(server: socket.socket) -> bool:
    try:
        server.accept()[0].close()
        return True
    except BlockingIOError:
        return False


def fill(value, values):
    if isinstance(value, str):
        return values.get(value, value)
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    return value


def execute(client, script: str, args=None, limits=None) -> dict:
    response = client.post("/execute", json={"script": script, "args": args or {},
                                             "limits": limits or {}})  # fmt: skip
    body = strict_json(response.data)
    assert response.status_code in (200, 422), body  # never the sandbox's failure
    return body


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_is_contained(
    client, sandbox, loopback_listener, abstract_listener, capsys, attack: Attack
):
    port, connections = loopback_listener
    abstract, unix_server = abstract_listener
    args = fill(attack.args, placeholders(sandbox, port, abstract))
    sys.modules["main"].SERVICE.sandbox.warm(wait_s=60)  # main.py as functions-framework loads it
    body = execute(client, attack.script, args, attack.limits)
    code = body["error"]["code"] if "error" in body else "ok"
    # Against a warm jail, as every request with the default /tmp size runs.
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "jail" in line]
    cold = "tmp_size_mib" in attack.limits and sandbox.profile.value == "namespaces"
    assert [entry["jail"] for entry in logged] == ["cold" if cold else "warm"], logged
    assert code in attack.outcomes, json.dumps(body)[:2000]
    if attack.result == "out of sight or reach":
        assert body["result"] in ("out of sight", "out of reach")
    elif attack.check_result:
        assert body["result"] == attack.result
    assert connections == [] and not connected(unix_server)
    assert leftovers(uids.held_by_this_process()) == []
    assert leftover_folders(sandbox.settings.rootfs) == []  # gvisor's private folders
    # The service goes on, and the next executions start clean, in every slot at once.
    slots = sandbox.settings.slots
    with ThreadPoolExecutor(slots) as pool:
        nexts = list(pool.map(lambda _: execute(client, NEXT), range(slots)))
    assert [body.get("result") for body in nexts] == ["next"] * slots


NEXT = "def main():\n    return 'next'"


@pytest.mark.parametrize("name", ["leave a file behind", "keep writing after main returns"])
def test_a_file_left_behind_is_gone_for_the_next_execution(client, name):
    leave = next(a for a in ATTACKS if a.name == name)
    path = execute(client, leave.script)["result"]
    check = "import os\ndef main(path):\n    return os.path.exists(path)"
    assert execute(client, check, {"path": path})["result"] is False


def test_memory_does_not_carry_over_between_executions(client):
    execute(client, "import builtins\ndef main():\n    builtins.SECRET = 's3cret'\n    return 1")
    check = "import builtins\ndef main():\n    return getattr(builtins, 'SECRET', None)"
    assert execute(client, check)["result"] is None


def test_there_are_at_least_40_attacks_in_every_category():
    assert len(ATTACKS) >= 40
    assert {a.category for a in ATTACKS} >= {
        "host files", "environment", "writing", "network", "privilege", "resources",
        "wrapper", "result spoofing", "state",
    }  # fmt: skip


def test_security_md_publishes_the_catalogue():
    security = (REPO / "SECURITY.md").read_text()
    missing = [a.name for a in ATTACKS if f"| {a.name} |" not in security]
    assert missing == []


#: The attacks on the cleanup after an execution and on the bounds around it.
AFTERMATH = [
    "leave a process behind",
    "leave a zombie leader whose thread lives on",
    "leave a zombie leader that kills every process it can",
    "leave a process whose name is not UTF-8",
    "keep writing after main returns",
    "a folder tree 1,200 levels deep",
    "fill the temporary folder",
    "fill the temporary folder with empty files",
    "hoard kernel memory in pipe buffers",
    "burn CPU in a forked child",
    "fork bomb",
]


def test_a_server_that_served_every_cleanup_attack_answers_the_next_20_requests(tmp_path):
    log_path = tmp_path / "server.log"
    with serve(log_path, PYEXEC_SLOTS="2", PYEXEC_QUEUE="20", THREADS="24") as (base, _):
        for name in AFTERMATH:
            attack = next(a for a in ATTACKS if a.name == name)
            request = {"script": attack.script, "limits": attack.limits}
            status, _, body = http("POST", f"{base}/execute", request)
            code = body["error"]["code"] if "error" in body else "ok"
            assert (status, code in attack.outcomes) == (200 if code == "ok" else 422, True), body
        with ThreadPoolExecutor(20) as pool:
            answers = list(
                pool.map(lambda _: http("POST", f"{base}/execute", {"script": NEXT}), range(20))
            )
        assert [(status, body.get("result")) for status, _, body in answers] == [(200, "next")] * 20
    # Its warm jails end with it (their stdin closes); nothing else of it is left.
    assert no_jails_within(server_uids(log_path)) == []
