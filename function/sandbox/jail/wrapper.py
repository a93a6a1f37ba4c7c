"""Runs one script inside the jail and reports how it ended.

This file is the jail's program, in both isolation profiles, with no mount of its own: NsJail
starts ``python3 -I -c <stub>``, and the runner writes this file's code object (compiled once
per server, see sandbox/nsjail.py) and then the request to its stdin, both with ``marshal``. It
imports only the standard library, and only what the success path needs; and:

1. imports the preload modules named by its second argument (``numpy,pandas``: a warm jail's
   set, see sandbox/pool.py; its third names the isolation profile), then writes one byte,
   ``R``, to the result channel (the file descriptor named by its first argument): it is
   ready;
2. waits for one request on stdin: ``{"script", "args", "limits", "max_result_bytes"}``. A
   warm jail was started before its request's limits were known, under the server's
   maximums: every rlimit is lowered, soft and hard, to the request's own (a process can
   never raise a hard limit again); then it writes ``S`` to the result channel: the script
   starts, under its own limits;
3. compiles the script as the module ``script`` (file name ``<script>``) and runs it;
4. calls ``main(**args)`` (an ``async def main`` is run to its end with ``asyncio.run``) and
   converts what it returned to plain JSON values;
5. writes one JSON frame to the result channel and exits.

The script's print() output goes straight to stdout and stderr, which the runner captures, so
nothing the script prints can be mistaken for its result. Tracebacks keep the script's own
frames only. The result conversion rules are documented in the README ("Results").

Lean on purpose: every import here is paid by every execution. ``json`` would pull in ``re``
and ``enum`` (6 ms of a 9 ms interpreter start), so the frame is written by the C encoder
``json.dumps`` itself uses (``_json``); ``traceback`` and ``linecache`` are imported only when
the script raises; ``datetime``, ``numpy`` and ``pandas`` values are recognised only if the
script (or a preload) imported those modules, since no value can be of a type never imported.
"""

import _collections_abc  # Imported by os already: recognises a coroutine at no cost.
import _json
import marshal
import math
import os
import resource
import sys

SCRIPT_NAME = "<script>"
MAX_DEPTH = 100
# Bounds on error texts (in characters; \u escapes make at most 6 bytes of each), so that an
# error frame stays well within the 64 KiB the runner allows beyond the output cap.
MAX_MESSAGE = 2000
MAX_TRACEBACK = 6000
#: The isolation profile the jail runs in (its third argument).
PROFILE = None
READY = b"R"
STARTED = b"S"
# The wrapper's own references, taken before the script runs: a script that replaces
# os.write changes what it sees, not how its result is written.
_write = os.write
_close = os.close
_exit = os._exit
_setrlimit = resource.setrlimit


def _unencodable(value):
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# json.dumps(value, separators=(",", ":"), allow_nan=...) without importing json.
_ENCODE = _json.make_encoder(
    None, _unencodable, _json.encode_basestring_ascii, None, ":", ",", False, False, False
)
_ENCODE_KEY = _json.make_encoder(
    None, _unencodable, _json.encode_basestring_ascii, None, ":", ",", False, False, True
)


def _dumps(value):
    return "".join(_ENCODE(value, 0))


# Written when nothing can be allocated any more; built now, while memory is still available.
MEMORY_FRAME = _dumps(
    {"kind": "memory_limit", "message": "the script ran out of memory (MemoryError)"}
).encode()
#: The request's limits, in the order they are lowered, and their rlimits.
_RLIMITS = (
    ("as_bytes", resource.RLIMIT_AS),
    ("nproc", resource.RLIMIT_NPROC),
    ("nofile", resource.RLIMIT_NOFILE),
    ("fsize_bytes", resource.RLIMIT_FSIZE),
)


class Unconvertible(Exception):
    def __init__(self, path, reason):
        super().__init__(reason)
        self.path = path
        self.reason = reason


def main():
    global PROFILE
    result_fd = int(sys.argv[1])
    PROFILE = sys.argv[3]
    os.umask(0o077)  # Files the script creates are its own, even in a shared /tmp.
    for name in filter(None, sys.argv[2].split(",")):
        __import__(name)
    _write(result_fd, READY)
    request = marshal.load(sys.stdin.buffer)  # noqa: S302 - written by the runner, not the script
    _narrow(request["limits"])
    _write(result_fd, STARTED)
    try:
        frame = _run(request["script"], request["args"], request["max_result_bytes"])
        data = _dumps(frame).encode()
    except MemoryError:
        data = MEMORY_FRAME
    _flush_std_streams()
    _write_all(result_fd, data)
    _exit(0)  # Not sys.exit(): no atexit handler or lingering thread of the script runs on.


def _narrow(limits):
    """Lower every rlimit to the request's value, soft and hard, before the script runs.

    RLIMIT_CPU counts this process's CPU time from its start: it gets what the process has
    used so far (the preload, not the script's) plus the request's own, and a second more as a
    backstop; the runner's watch stops the jail at the exact limit. If any limit cannot be
    set, the script does not run: the jail ends without ``S``, a sandbox failure.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used_s = usage.ru_utime + usage.ru_stime
    _lower(resource.RLIMIT_CPU, math.ceil(used_s + limits["cpu_s"]) + 1)
    for key, which in _RLIMITS:
        _lower(which, limits[key])


def _lower(which, value):
    """Set a limit, soft and hard, to ``value`` or to its hard limit now if that is lower (a
    jail started for this very request has its limits already)."""
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    _setrlimit(which, (value, value))


def _run(source, args, max_result_bytes):
    try:
        code = compile(source, SCRIPT_NAME, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return {
            "kind": "syntax_error",
            "type": type(exc).__name__,
            "message": _clip(str(exc.msg), MAX_MESSAGE),
            "line": exc.lineno,
            "offset": exc.offset,
            "text": _clip((exc.text or "").rstrip("\n"), MAX_MESSAGE) or None,
        }
    except ValueError as exc:  # "source code string cannot contain null bytes"
        before = source[: source.index("\0")] if "\0" in source else source
        return {
            "kind": "syntax_error",
            "type": "SyntaxError",
            "message": str(exc),
            "line": before.count("\n") + 1,
            "offset": len(before) - (before.rfind("\n") + 1) + 1,
            "text": None,
        }
    module = type(sys)("script")
    module.__file__ = SCRIPT_NAME
    sys.modules["script"] = module
    sys.meta_path.insert(0, _Multiprocessing(source, PROFILE))
    try:
        exec(code, module.__dict__)
        entry = module.__dict__.get("main")
        if not callable(entry):
            return {
                "kind": "missing_main",
                "message": "the script does not define a callable main()",
            }
        value = entry(**args)
        if isinstance(value, _collections_abc.Coroutine):  # async def main()
            import asyncio

            value = asyncio.run(value)
    except MemoryError:
        return {"kind": "memory_limit", "message": "the script ran out of memory (MemoryError)"}
    except SystemExit as exc:
        return _exited(exc)
    except BaseException as exc:  # noqa: BLE001 - everything the script raises is reported
        return _exception(exc, source)

    try:
        result = to_json(value, "result", 0)
        size = len(_dumps(result))
    except Unconvertible as exc:
        return {"kind": "invalid_result", "message": exc.reason, "path": exc.path}
    except RecursionError:
        return {
            "kind": "invalid_result",
            "message": "the result is nested too deeply to convert",
            "path": "result",
        }
    except Exception as exc:  # noqa: BLE001 - e.g. an int too long to write, a broken __eq__
        return {
            "kind": "invalid_result",
            "message": _clip(f"the result cannot be written as JSON: {exc}", MAX_MESSAGE),
            "path": "result",
        }
    if size > max_result_bytes:
        return {
            "kind": "invalid_result",
            "message": f"the result is {size} bytes as JSON, over the limit of "
            f"{max_result_bytes} bytes",
            "path": "result",
        }
    return {"kind": "ok", "result": result}


#: Run first by every Python that multiprocessing starts (spawn and forkserver children, the
#: forkserver and the resource tracker), before the program multiprocessing gave it: the
#: script reaches spawned children in their preparation data, since it is no file they could
#: import, and becomes their module ``script`` again, as a script file would be imported anew
#: by them outside the jail.
_SPAWN_BOOT = """\
import sys
import multiprocessing.spawn as spawn
def prepare(data, _prepare=spawn.prepare):
    source = data.pop("pyexec_script", None)
    if source is not None:
        module = type(sys)("script")
        module.__file__ = "<script>"
        sys.modules["script"] = module
        exec(compile(source, "<script>", "exec", dont_inherit=True), module.__dict__)
    _prepare(data)
spawn.prepare = prepare
del sys.argv[1]  # python -c BOOT -c PROGRAM [ARG...]: sys.argv is ["-c", "-c", PROGRAM, ARG...]
program = sys.argv.pop(1)
exec(compile(program, "<string>", "exec"))
"""


class _Multiprocessing:
    """A finder that finds nothing, and adapts multiprocessing to the jail as the script
    imports it:

    - multiprocessing.spawn: every Python that multiprocessing starts runs _SPAWN_BOOT first
      (``python -c BOOT -c PROGRAM``), and each spawned child's preparation data carries the
      script's source, so that functions the script defines can be sent to Pool workers with
      spawn and forkserver too (fork needs none of it);
    - multiprocessing.context, in the gvisor profile: no spawn or forkserver start method
      (``get_context("spawn")`` raises ValueError). Its forkserver would listen on an AF_UNIX
      socket, which the profile refuses, and gVisor loses the wake-ups of a semaphore shared by
      processes that did not fork from one another: a spawned Pool would hang at random.
    """

    def __init__(self, source, profile):
        self.patches = {"multiprocessing.spawn": self._send_the_script}
        if profile == "gvisor":
            self.patches["multiprocessing.context"] = self._fork_only
        self.source = source

    def find_spec(self, name, path=None, target=None):
        patch = self.patches.pop(name, None)
        if patch is None:
            return None
        if not self.patches:
            sys.meta_path.remove(self)
        spec = sys.modules["_frozen_importlib_external"].PathFinder.find_spec(name, path)
        if spec is not None:
            run_module = spec.loader.exec_module
            spec.loader.exec_module = lambda module: (run_module(module), patch(module))
        return spec

    def _send_the_script(self, spawn):
        # multiprocessing.util has it from subprocess; spawn, forkserver and the resource
        # tracker all build their command lines with it.
        util = sys.modules["multiprocessing.util"]
        flags = util._args_from_interpreter_flags  # type: ignore[attr-defined]
        prepared, source = spawn.get_preparation_data, self.source
        util._args_from_interpreter_flags = lambda: [*flags(), "-c", _SPAWN_BOOT]  # type: ignore[attr-defined]
        spawn.get_preparation_data = lambda name: {**prepared(name), "pyexec_script": source}

    @staticmethod
    def _fork_only(context):
        for method in ("spawn", "forkserver"):
            context._concrete_contexts.pop(method, None)
        all_methods = context.DefaultContext.get_all_start_methods
        context.DefaultContext.get_all_start_methods = lambda self: [
            method for method in all_methods(self) if method in context._concrete_contexts
        ]


def _exited(exc):
    code = exc.code
    if code is None:
        exit_code = 0
    elif isinstance(code, int):
        exit_code = code if -(2**31) <= code < 2**31 else 1
    else:
        try:
            print(code, file=sys.stderr)  # What Python itself does with sys.exit("message").
        except Exception:  # noqa: BLE001, S110 - an unprintable exit value is the script's
            pass
        exit_code = 1
    return {
        "kind": "exited",
        "message": f"the script exited (sys.exit({exit_code})) before main() returned",
        "exit_code": exit_code,
    }


def _exception(exc, source):
    import linecache
    import traceback

    linecache.cache[SCRIPT_NAME] = (len(source), None, source.splitlines(True), SCRIPT_NAME)
    summary = traceback.TracebackException.from_exception(exc)
    _keep_script_frames(summary, set())
    cls = type(exc)
    name = (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ is the script's
        message = f"<unprintable {name} object>"
    return {
        "kind": "exception",
        "type": _clip(name, MAX_MESSAGE),
        "message": _clip(message, MAX_MESSAGE),
        "traceback": _clip("".join(summary.format()), MAX_TRACEBACK),
    }


def _clip(text, limit):
    """Bound a text the script controls, so that the frame always fits its channel."""
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more]"


def _keep_script_frames(summary, seen):
    """Drop the wrapper's and the libraries' frames, in the exception and its chain."""
    import traceback

    if summary is None or id(summary) in seen:
        return
    seen.add(id(summary))
    summary.stack = traceback.StackSummary.from_list(
        [frame for frame in summary.stack if frame.filename == SCRIPT_NAME]
    )
    _keep_script_frames(summary.__cause__, seen)
    _keep_script_frames(summary.__context__, seen)


def to_json(value, path, depth):
    """Convert ``value`` to JSON values, or raise Unconvertible naming where and why.

    Plain JSON types stay as they are, NaN and infinities become null; dict keys become
    strings as json.dumps makes them; tuples become lists; datetime, date and time become ISO
    8601 strings, timedelta a number of seconds; numpy scalars and arrays become numbers and
    lists; a pandas DataFrame becomes a list of row objects and a Series an object keyed by
    its index, as their to_json(orient="records"/"index", date_format="iso") make them.
    """
    if depth > MAX_DEPTH:
        raise Unconvertible(path, f"the result is nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = _key(key, path)
            out[name] = to_json(item, f"{path}[{_dumps(name)}]", depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [to_json(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    if _is_pandas_missing(value):  # Before datetime: pandas.NaT is a datetime subclass.
        return None
    datetime = sys.modules.get("datetime")
    if datetime is not None:
        if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
            return value.isoformat()
        if isinstance(value, datetime.timedelta):
            return value.total_seconds()
    converted = _convert_numpy(value, path, depth)
    if converted is not _NOT_HANDLED:
        return converted
    converted = _convert_pandas(value, path)
    if converted is not _NOT_HANDLED:
        return converted
    hint = {
        set: "; convert it to a list",
        frozenset: "; convert it to a list",
        bytes: "; decode it to a str",
        bytearray: "; decode it to a str",
        complex: "; return its .real and .imag",
    }.get(type(value), "")
    raise Unconvertible(path, f"{_type_name(value)} is not JSON serializable{hint}")


_NOT_HANDLED = object()


def _key(key, path):
    if isinstance(key, str):
        return key
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(key, numpy.generic):
        key = key.item()
    if key is None or isinstance(key, (bool, int, float)):
        return "".join(_ENCODE_KEY(key, 0))  # As json.dumps names them: 1 -> "1", None -> "null".
    datetime = sys.modules.get("datetime")
    if datetime is not None and isinstance(key, (datetime.datetime, datetime.date, datetime.time)):
        return key.isoformat()
    raise Unconvertible(
        path,
        f"a dict key of type {_class_name(key)} cannot be a JSON key; use a str, int, "
        "float, bool or None",
    )


def _convert_numpy(value, path, depth):
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return _NOT_HANDLED
    if isinstance(value, numpy.datetime64):
        return None if numpy.isnat(value) else str(numpy.datetime_as_string(value))
    if isinstance(value, numpy.timedelta64):
        return None if numpy.isnat(value) else value / numpy.timedelta64(1, "s")
    if isinstance(value, numpy.generic):
        return to_json(value.item(), path, depth)
    if isinstance(value, numpy.ndarray):
        if value.ndim == 0:
            return to_json(value[()], path, depth)
        if value.dtype.kind in "biuf":  # Plain numbers: tolist() is exact and fast.
            return to_json(value.tolist(), path, depth)
        return [to_json(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    return _NOT_HANDLED


def _convert_pandas(value, path):
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return _NOT_HANDLED
    if isinstance(value, pandas.DataFrame):
        orient = "records"
    elif isinstance(value, pandas.Series):
        orient = "index"
    else:
        return _NOT_HANDLED
    import json  # pandas has imported it already.

    try:
        return json.loads(value.to_json(orient=orient, date_format="iso"))
    except (TypeError, ValueError, OverflowError) as exc:
        raise Unconvertible(path, f"{_type_name(value)} could not be converted: {exc}") from None


def _is_pandas_missing(value):
    pandas = sys.modules.get("pandas")
    return pandas is not None and (value is pandas.NaT or value is pandas.NA)


def _type_name(value):
    return f"an object of type {_class_name(value)}"


def _class_name(value):
    cls = type(value)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _flush_std_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001, S110 - a closed or replaced stream is the script's
            pass


def _write_all(fd, data):
    try:
        view = memoryview(data)
        while view:
            view = view[_write(fd, view) :]
        _close(fd)
    except OSError:
        _exit(70)  # The script closed or replaced the result channel.


main()
