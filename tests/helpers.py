"""Helpers shared by the test modules: real HTTP, strict JSON, what is left running."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from sandbox import Settings, nsjail


def http(method: str, url: str, body: dict | bytes | None = None, headers=None):
    """One real HTTP request; returns (status, headers, body decoded as strict JSON)."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in (headers or {"Content-Type": "application/json"}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), strict_json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), strict_json(error.read())


def strict_json(data: bytes):
    def refuse(name):
        raise AssertionError(f"non-standard JSON token {name}")

    return json.loads(data, parse_constant=refuse)


def settings_with(**changes) -> Settings:
    """The settings the environment gives, with some fields changed."""
    return replace(Settings.from_env(), **changes)


def live_processes() -> list[tuple[int, int, str]]:
    """(pid, uid, name) of every live process; zombies are left out: they wait for PID 1 to
    reap them, and in gVisor PID 1 is pytest itself, which does not."""
    found = []
    for status_file in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status_file.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if not fields["State"].strip().startswith("Z"):
            uid = int(fields["Uid"].split()[0])
            found.append((int(status_file.parent.name), uid, fields["Name"].strip()))
    return found


def live_jail_processes(sandbox) -> list[str]:
    """Live processes of any jail uid."""
    jail_uids = {nsjail.UID_BASE + slot for slot in range(sandbox.settings.slots)}
    return [f"{pid} {name}" for pid, uid, name in live_processes() if uid in jail_uids]


def process_names() -> str:
    return " ".join(name for _, _, name in live_processes())
