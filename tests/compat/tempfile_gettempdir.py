# gettempdir(): TMPDIR, a writable folder, and the current directory's neighbourhood.
import os
import tempfile


def main():
    folder = tempfile.gettempdir()
    return {
        "is_tmpdir": folder == os.environ.get("TMPDIR"),
        "isdir": os.path.isdir(folder),
        "writable": os.access(folder, os.W_OK),
        "absolute": os.path.isabs(folder),
        "cwd_is_tempdir": os.getcwd() == folder,
    }
