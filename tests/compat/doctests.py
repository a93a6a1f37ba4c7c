# The doctest runner: a script like any other, run in the jail and in the outside reference.
#
# main(modules=None, resume=None, only=None, detail=False) runs the docstring examples of
# each module with the standard library's doctest (DocTestFinder over the module;
# DocTestRunner with ELLIPSIS and NORMALIZE_WHITESPACE), numpy's with `np` and pandas's with
# `pd` and `np` among their globals, and returns, for each module, how many examples it has
# and which failed, each as "<test name>:<example index>":
#
#     {"numpy.linalg": {"examples": 379, "failed": ["numpy.linalg.eig:3"], "error": None}}
#
# `modules` defaults to every module of BATCHES (what `make seccomp` traces, with no args).
# So that a run killed by a signal (SIGSYS), or stopped at a limit, loses nothing and says
# where it was, it also writes to file descriptors 1 and 2 directly (doctest captures
# sys.stdout around each example, not the descriptors):
#
#   - stderr, before each example: "@doctest <module> <test name>:<index>";
#   - stdout, once a module is found and after each of its tests:
#     "@doctest-module {json}" ({"module", "examples", "error"}) and
#     "@doctest-test {json}" ({"module", "test", "failed", "details"}).
#
# `resume` ({"module", "test"}) skips everything up to and including that test of that
# module (the first of `modules`), to carry on after such a run. `only` ({module: [test
# names]}) runs just those tests, for a second look at a difference. `detail` adds, for each
# failed example, the start of what it printed or raised instead of what its docstring says.
import doctest
import importlib
import inspect
import json
import os
import signal

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
PROGRESS = "@doctest"
MODULE_LINE = "@doctest-module"
TEST_LINE = "@doctest-test"
#: A test (one docstring) that runs longer than this fails with TestTimeout, rather than
#: taking its whole batch to the wall-time limit.
TEST_TIMEOUT_S = 15
DETAIL_CHARS = 400

#: The modules whose examples the compatibility suite runs, in batches of one execution each
#: (tests/test_compat.py): each within a few seconds outside, well inside the 60 s limits in
#: gVisor. Standard modules whose docstrings hold no example (itertools, pathlib, bisect,
#: string, datetime, calendar, base64, struct, tarfile, csv, configparser) are left out: the
#: corpus scripts exercise them instead.
BATCHES = (
    ("numpy",),
    ("numpy.linalg", "numpy.fft", "numpy.polynomial.polynomial", "numpy.polynomial.chebyshev",
     "numpy.polynomial.legendre", "numpy.polynomial.hermite", "numpy.polynomial.hermite_e",
     "numpy.polynomial.laguerre", "numpy.polynomial.polyutils", "numpy.lib.recfunctions",
     "numpy.lib.stride_tricks", "numpy.lib.scimath", "numpy.strings", "numpy.char", "numpy.rec",
     "numpy.ma"),
    ("numpy.ma.core", "numpy.ma.extras", "numpy.random"),
    ("pandas.core.frame", "pandas.core.series"),
    ("pandas.core.generic", "pandas.core.groupby.groupby", "pandas.core.groupby.generic",
     "pandas.core.groupby.grouper", "pandas.core.strings.accessor"),
    ("pandas.core.indexes.base", "pandas.core.indexes.datetimes", "pandas.core.indexes.multi",
     "pandas.core.indexes.range", "pandas.core.indexes.interval", "pandas.core.indexes.category",
     "pandas.core.indexes.accessors", "pandas.core.indexes.period",
     "pandas.core.indexes.timedeltas", "pandas.core.arrays.categorical",
     "pandas.core.arrays.datetimes", "pandas.core.arrays.datetimelike",
     "pandas.core.arrays.interval", "pandas.core.arrays.string_", "pandas.core.arrays.base",
     "pandas.core.arrays.period", "pandas.core.arrays.timedeltas"),
    ("pandas.core.tools.datetimes", "pandas.core.tools.numeric", "pandas.core.tools.timedeltas",
     "pandas.core.reshape.merge", "pandas.core.reshape.pivot", "pandas.core.reshape.melt",
     "pandas.core.reshape.concat", "pandas.core.reshape.tile", "pandas.core.reshape.encoding",
     "pandas.core.window.rolling", "pandas.core.window.expanding", "pandas.core.window.ewm",
     "pandas.core.resample", "pandas.core.accessor", "pandas.core.algorithms",
     "pandas.core.base", "pandas.core.indexing", "pandas.core.dtypes.common",
     "pandas.core.dtypes.missing", "pandas.core.dtypes.dtypes", "pandas.core.dtypes.inference",
     "pandas.core.computation.eval", "pandas.core.arraylike", "pandas.core.apply",
     "pandas.core.construction", "pandas.core.flags", "pandas.core.col",
     "pandas.core.arrays.sparse.accessor", "pandas.core.arrays.arrow.accessors",
     "pandas.core.interchange.from_dataframe", "pandas.io.formats.format",
     "pandas.io.json._json", "pandas.io.parsers.readers", "pandas.io.sql",
     "pandas.io.excel._base", "pandas.io.pickle", "pandas.io.parquet",
     "pandas.plotting._core", "pandas.tseries.frequencies", "pandas._config.config",
     "pandas.util._decorators", "pandas._testing.asserters"),
    ("json", "json.encoder", "textwrap", "fractions", "decimal", "_pydecimal", "statistics",
     "collections", "difflib", "heapq", "shutil", "tempfile", "ipaddress", "binascii", "math",
     "zipfile", "enum", "doctest", "uuid", "hashlib", "secrets", "pickle", "pickletools",
     "http.cookies", "http.cookiejar", "_threading_local", "subprocess", "socket", "smtplib",
     "ftplib", "nntplib", "poplib", "telnetlib", "asyncio.timeouts"),
)  # fmt: skip


class TestTimeout(Exception):
    pass


def _ring(signum, frame):
    raise TestTimeout(f"the test ran past {TEST_TIMEOUT_S} s")


def _extra_globals(module_name):
    names = {}
    if module_name.split(".")[0] in ("numpy", "pandas"):
        import numpy

        names["np"] = numpy
    if module_name.split(".")[0] == "pandas":
        import pandas

        names["pd"] = pandas
    return names


class _Finder(doctest.DocTestFinder):
    """doctest's finder, which also takes what a module defines under another module's name:
    pandas files its public classes under ``pandas``, and _pydecimal everything under
    ``decimal``, which doctest's own check resolves to another module (or, for _pydecimal,
    to none, depending on whether the C ``decimal`` happens to be imported already)."""

    def _from_module(self, module, object):
        if super()._from_module(module, object):
            return True
        if inspect.isfunction(object):
            return _defined_in(module, object)
        if inspect.isclass(object):
            return any(_defined_in(module, v) for v in vars(object).values()
                       if inspect.isfunction(v))  # fmt: skip
        return False


def _defined_in(module, function):
    try:
        function = inspect.unwrap(function)
    except ValueError:  # A cycle of __wrapped__.
        return False
    return getattr(function, "__globals__", None) is module.__dict__


class _Runner(doctest.DocTestRunner):
    def __init__(self, module_name, detail):
        super().__init__(optionflags=FLAGS, verbose=False)
        self.module_name = module_name
        self.detail = detail
        self.failed = []
        self.details = {}
        self._indexes = {}

    def _id(self, test, example):
        if test.name not in self._indexes:
            self._indexes = {test.name: {id(e): i for i, e in enumerate(test.examples)}}
        return f"{test.name}:{self._indexes[test.name][id(example)]}"

    def report_start(self, out, test, example):
        _write(2, f"{PROGRESS} {self.module_name} {self._id(test, example)}")

    def report_success(self, out, test, example, got):
        pass

    def report_failure(self, out, test, example, got):
        self._record(test, example, got)

    def report_unexpected_exception(self, out, test, example, exc_info):
        self._record(test, example, f"{exc_info[0].__name__}: {exc_info[1]}")

    def _record(self, test, example, got):
        identifier = self._id(test, example)
        self.failed.append(identifier)
        if self.detail:
            self.details[identifier] = str(got)[:DETAIL_CHARS]


def _write(fd, line):
    data = memoryview(f"{line}\n".encode("utf-8", "backslashreplace"))
    while data:
        data = data[os.write(fd, data) :]


def _run_module(name, resume_after, only, detail):
    try:
        module = importlib.import_module(name)
        finder = _Finder(exclude_empty=True)
        tests = sorted(finder.find(module, extraglobs=_extra_globals(name)), key=lambda t: t.name)
    except Exception as exc:
        tests, error = [], f"{type(exc).__name__}: {exc}"
    else:
        error = None
    result = {"examples": sum(len(t.examples) for t in tests), "failed": [], "error": error}
    _write(1, f"{MODULE_LINE} {json.dumps({'module': name, **result})}")
    runner = _Runner(name, detail)
    skipping = resume_after is not None
    for test in tests:
        if skipping:
            skipping = test.name != resume_after
            continue
        if only is not None and test.name not in only:
            continue
        done = len(runner.failed)
        signal.setitimer(signal.ITIMER_REAL, TEST_TIMEOUT_S)
        try:
            runner.run(test, out=lambda text: None)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        failed = runner.failed[done:]
        line = {
            "module": name,
            "test": test.name,
            "failed": failed,
            "details": {i: runner.details[i] for i in failed if i in runner.details},
        }
        _write(1, f"{TEST_LINE} {json.dumps(line)}")  # fmt: skip
    result["failed"] = runner.failed
    if detail:
        result["details"] = runner.details
    return result


def main(modules=None, resume=None, only=None, detail=False):
    signal.signal(signal.SIGALRM, _ring)
    results = {}
    for name in modules if modules is not None else [m for b in BATCHES for m in b]:
        resume_after = resume["test"] if resume and name == resume["module"] else None
        module_only = None if only is None else set(only.get(name, ()))
        results[name] = _run_module(name, resume_after, module_only, detail)
    return results
