# mkstemp: a descriptor and a name, private to the user (mode 0600), written with os.write.
import os
import stat
import tempfile


def main():
    fd, path = tempfile.mkstemp(prefix="data-", suffix=".bin")
    written = os.write(fd, b"abc" * 100)
    os.close(fd)
    info = os.stat(path)
    os.remove(path)
    return {
        "written": written,
        "size": info.st_size,
        "mode": oct(stat.S_IMODE(info.st_mode)),
        "prefix": os.path.basename(path).startswith("data-"),
        "removed": not os.path.exists(path),
    }
