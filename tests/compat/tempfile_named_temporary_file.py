# NamedTemporaryFile: write, read back through the object and by name; gone once closed.
import os
import tempfile


def main():
    with tempfile.NamedTemporaryFile("w+", suffix=".txt") as handle:
        handle.write("hello\nworld\n")
        handle.flush()
        handle.seek(0)
        through_object = handle.read()
        with open(handle.name) as again:
            by_name = again.read()
        name = handle.name
        in_tempdir = os.path.dirname(name) == tempfile.gettempdir()
    return {
        "through_object": through_object,
        "by_name": by_name,
        "suffix": name.endswith(".txt"),
        "in_tempdir": in_tempdir,
        "exists_after_close": os.path.exists(name),
    }
