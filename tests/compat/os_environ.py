# The environment a script sees: which variables are set, and what HOME and TMPDIR are.
import os
import tempfile


def main():
    return {
        "names": sorted(os.environ),
        "lang": os.environ.get("LANG"),
        "path": os.environ.get("PATH"),
        "home_is_tmpdir": os.environ.get("HOME") == os.environ.get("TMPDIR"),
        "tmpdir_is_tempdir": os.environ.get("TMPDIR") == tempfile.gettempdir(),
        "getenv_missing": os.getenv("NO_SUCH_VARIABLE", "default"),
    }
