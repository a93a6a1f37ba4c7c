"""Result conversion, through the real jail: what main() returns and what the caller gets."""

from __future__ import annotations

import pytest
from sandbox import Kind

CASES = [
    ("plain JSON values", "{'a': [1, 2.5, 'x', None, True]}", {"a": [1, 2.5, "x", None, True]}),
    ("NaN and infinities become null", "[float('nan'), float('inf'), -float('inf')]",
     [None, None, None]),
    ("tuples become lists", "(1, (2, 3))", [1, [2, 3]]),
    ("non-string keys as json.dumps names them", "{1: 'a', None: 'b', 2.5: 'c'}",
     {"1": "a", "null": "b", "2.5": "c"}),
    ("datetime and date in ISO 8601", "[datetime.datetime(2024, 5, 1, 12, 30), "
     "datetime.date(2024, 5, 1)]", ["2024-05-01T12:30:00", "2024-05-01"]),
    ("timedelta in seconds", "datetime.timedelta(minutes=1, milliseconds=500)", 60.5),
    ("numpy scalars", "[np.int64(7), np.float32(0.5), np.bool_(True), np.float64('nan')]",
     [7, 0.5, True, None]),
    ("numpy arrays", "np.array([[1, 2], [3, 4]])", [[1, 2], [3, 4]]),
    ("numpy float array with NaN", "np.array([1.5, np.nan])", [1.5, None]),
    ("numpy datetime64", "np.datetime64('2024-01-02T03:04:05')", "2024-01-02T03:04:05"),
    ("pandas DataFrame as records",
     "pd.DataFrame({'n': [1, 2], 'x': [0.5, np.nan], 't': pd.to_datetime(['2024-01-01', None])})",
     [{"n": 1, "x": 0.5, "t": "2024-01-01T00:00:00.000"}, {"n": 2, "x": None, "t": None}]),
    ("pandas Series by index", "pd.Series([1, 2], index=['a', 'b'])", {"a": 1, "b": 2}),
    ("pandas Timestamp", "pd.Timestamp('2024-03-04 05:06:07')", "2024-03-04T05:06:07"),
    ("pandas NaT", "pd.NaT", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("expression", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_result_conversion(run, expression, expected):
    outcome = run(
        "import datetime\nimport numpy as np\nimport pandas as pd\n"
        f"def main():\n    return {expression}\n"
    )
    assert outcome.kind is Kind.OK, outcome.error
    assert outcome.result == expected


@pytest.mark.parametrize(
    ("expression", "path", "hint"),
    [
        ("{'a': {'b': [1, object()]}}", 'result["a"]["b"][1]', "object"),
        ("b'bytes'", "result", "decode it"),
        ("{(1, 2): 'tuple key'}", "result", "dict key"),
        ("complex(1, 2)", "result", "complex"),
    ],
)
def test_unconvertible_results_say_where_and_why(run, expression, path, hint):
    outcome = run(f"def main():\n    return {expression}\n")
    assert outcome.kind is Kind.INVALID_RESULT
    assert outcome.error["path"] == path
    assert hint in outcome.error["message"]


def test_self_referencing_result_is_invalid_not_a_crash(run):
    outcome = run("def main():\n    a = []\n    a.append(a)\n    return a\n")
    assert outcome.kind is Kind.INVALID_RESULT
    assert "nested" in outcome.error["message"]
