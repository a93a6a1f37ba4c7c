"""Runs one script outside the jail as the jail's wrapper runs it inside, and reports how it
ended.

The outside reference's program (launcher.py execs ``python3 -I -c <this file> <result fd>``,
chrooted into the rootfs as an unprivileged uid). Like function/sandbox/jail/wrapper.py it
reads one request from stdin (here JSON: ``{"script", "args"}``), compiles the script as the
module ``script`` (file name ``<script>``), calls ``main(**args)`` (an ``async def main`` is
run to its end with ``asyncio.run``, as the wrapper does), writes one JSON frame to the
result descriptor, and leaves with ``os._exit`` (no atexit handler runs, as in the jail). The
frame's fields are those the comparison reads of an Outcome: ``kind``, and ``result`` (ok),
``type`` and ``message`` (exception), ``exit_code`` (exited).

The wrapper itself is not reused: it is the jail's, and what it does beyond this (preloads,
limits, its own result conversion) is not what a script's own behaviour depends on. Results
are expected to be plain JSON already (the corpus returns nothing else); NaN and infinities
become null, as in the wrapper.
"""

import collections.abc
import json
import math
import os
import sys

SCRIPT_NAME = "<script>"
MAX_MESSAGE = 2000  # As the wrapper clips a message, so that long ones compare alike.


def main():
    result_fd = int(sys.argv[1])
    request = json.loads(sys.stdin.buffer.read())
    frame = _run(request["script"], request["args"])
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    data = memoryview(json.dumps(frame, allow_nan=False).encode())
    while data:
        data = data[os.write(result_fd, data) :]
    os._exit(0)


def _run(source, args):
    try:
        code = compile(source, SCRIPT_NAME, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return {"kind": "syntax_error", "message": str(exc)}
    module = type(sys)("script")
    module.__file__ = SCRIPT_NAME
    sys.modules["script"] = module
    try:
        exec(code, module.__dict__)
        entry = module.__dict__.get("main")
        if not callable(entry):
            return {"kind": "missing_main", "message": "no callable main()"}
        value = entry(**args)
        if isinstance(value, collections.abc.Coroutine):
            import asyncio

            value = asyncio.run(value)
    except MemoryError:
        return {"kind": "memory_limit", "message": "MemoryError"}
    except SystemExit as exc:
        code = exc.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)  # As Python itself (and the wrapper) does.
        exit_code = 0 if code is None else code if isinstance(code, int) else 1
        return {"kind": "exited", "message": "sys.exit", "exit_code": exit_code}
    except BaseException as exc:
        cls = type(exc)
        name = cls.__qualname__
        if cls.__module__ != "builtins":
            name = f"{cls.__module__}.{name}"
        message = str(exc)
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + f"... [{len(message) - MAX_MESSAGE} more]"
        return {"kind": "exception", "type": name, "message": message}
    try:
        return {"kind": "ok", "result": _plain(value)}
    except (TypeError, ValueError, RecursionError) as exc:
        return {"kind": "invalid_result", "message": str(exc)}


def _plain(value):
    """JSON values as the wrapper makes them of plain ones: tuples become lists, keys strings
    (as json.dumps names them), NaN and infinities null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {_key(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _key(key):
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    raise TypeError(f"a dict key of type {type(key).__name__} is not a string")


main()
