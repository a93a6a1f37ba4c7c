# gc, weakref, tracemalloc, faulthandler, atexit, inspect and importlib at run time.
import atexit
import faulthandler
import gc
import importlib
import inspect
import io
import tempfile
import tracemalloc
import weakref


class Node:
    pass


def main():
    node = Node()
    reference = weakref.ref(node)
    del node
    collected = gc.collect() >= 0
    tracemalloc.start()
    data = [bytes(1000) for _ in range(100)]
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with tempfile.TemporaryFile("w+") as log:
        faulthandler.dump_traceback(file=log)
        log.seek(0)
        dumped = "File" in log.read()
    atexit.register(print, "at exit")
    json_module = importlib.import_module("json")
    return {
        "dead": reference() is None,
        "collected": collected,
        "traced": peak >= current > 50_000,
        "faulthandler": dumped,
        "signature": str(inspect.signature(json_module.dumps))[:20],
        "data": len(data),
        "stringio": io.StringIO("x").read(),
    }
