# difflib, pprint, reprlib and string: comparing and showing text.
import difflib
import pprint
import reprlib
import string


def main():
    before = ["apple", "banana", "cherry", "date"]
    after = ["apple", "blueberry", "cherry", "date", "elderberry"]
    return {
        "diff": list(difflib.unified_diff(before, after, lineterm="", n=0)),
        "ratio": round(difflib.SequenceMatcher(None, "kitten", "sitting").ratio(), 12),
        "close": difflib.get_close_matches("appel", ["ape", "apple", "peach"]),
        "pformat": pprint.pformat({"k": list(range(30))}, width=40).splitlines()[:3],
        "repr": reprlib.repr(list(range(100))),
        "capwords": string.capwords("hello there world"),
        "punctuation": string.punctuation,
    }
