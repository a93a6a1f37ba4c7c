# The standard library's text and number tools.
import base64
import collections
import csv
import decimal
import fractions
import hashlib
import hmac
import io
import json
import re
import statistics
import string
import textwrap
import unicodedata
import zlib


def main():
    words = re.findall(r"\w+", "the quick brown fox jumps over the lazy dog the end")
    counts = collections.Counter(words)
    decimal.getcontext().prec = 40
    third = decimal.Decimal(1) / decimal.Decimal(3)
    rows = list(csv.DictReader(io.StringIO("a,b\n1,2\n3,4\n")))
    document = json.loads(json.dumps({"rows": rows, "pi": 3.14159}, indent=2, sort_keys=True))
    digest = hashlib.sha256(b"pyexec").hexdigest()
    packed = zlib.compress(b"x" * 10000)
    return {
        "top": counts.most_common(1)[0],
        "third": str(third)[:12],
        "fraction": str(fractions.Fraction(3, 9)),
        "median": statistics.median([5, 1, 4, 2, 3]),
        "stdev": round(statistics.stdev([1.0, 2.0, 3.0, 4.0]), 6),
        "rows": document["rows"],
        "sha256": digest[:16],
        "hmac": hmac.new(b"key", b"msg", "sha1").hexdigest()[:8],
        "b64": base64.b64encode(b"pyexec").decode(),
        "zlib": len(packed) < 100,
        "name": unicodedata.name("é"),
        "wrapped": textwrap.wrap("a b c d e f", 5),
        "template": string.Template("$x+$y").substitute(x=1, y=2),
        "sub": re.sub(r"(\d+)", lambda m: str(int(m[1]) * 2), "a1b22c333"),
    }
