"""Try the sandbox by hand, without the HTTP function.

    PYTHONPATH=function python -m sandbox run script.py --args '{"n": 3}'
    PYTHONPATH=function python -m sandbox run script.py --limits '{"timeout_s": 2}'
    PYTHONPATH=function python -m sandbox self-test

Settings come from the same environment variables as the server (sandbox/config.py), but
no warm jails: one script runs, in a jail started for it. Prints the outcome as JSON; exits 0
if main() returned, 1 if the script failed, 2 if the sandbox itself could not run it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from sandbox.config import Settings
from sandbox.errors import SandboxError
from sandbox.runner import Sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a script's main() in a jail")
    run.add_argument("script", type=Path, help="a Python file that defines main()")
    run.add_argument("--args", type=json.loads, default={}, help="JSON object: main(**args)")
    run.add_argument("--limits", type=json.loads, default={}, help="JSON object of limits")
    commands.add_parser("self-test", help="choose the profile and run the start-up self-test")
    options = parser.parse_args(argv)

    try:
        sandbox = Sandbox(dataclasses.replace(Settings.from_env(), warm_jails=False))
        profile = sandbox.start()
        if options.command == "self-test":
            print(json.dumps({"profile": profile.value, "cgroups": sandbox.cgroups is not None}))
            return 0
        limits = sandbox.settings.limits.resolve(options.limits)
        outcome = sandbox.run(options.script.read_text(), options.args, limits)
    except SandboxError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    document = dataclasses.asdict(outcome)
    document["kind"] = outcome.kind.value
    print(json.dumps(document, indent=2, ensure_ascii=False))
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
