# os.makedirs (exist_ok), os.removedirs and os.rmdir of an empty chain of folders.
import os
import tempfile


def main():
    base = tempfile.mkdtemp()
    deep = os.path.join(base, "x", "y", "z")
    os.makedirs(deep)
    os.makedirs(deep, exist_ok=True)
    try:
        os.makedirs(deep)
        again = "made"
    except FileExistsError:
        again = "FileExistsError"
    os.removedirs(deep)
    return {
        "again": again,
        "x_exists": os.path.exists(os.path.join(base, "x")),
        "base_exists": os.path.exists(base),
    }
