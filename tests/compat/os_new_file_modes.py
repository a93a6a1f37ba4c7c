# The permission bits new files and folders get from open(), os.mkdir and os.makedirs.
import os
import stat
import tempfile


def main():
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "new.txt")
    with open(path, "w") as handle:
        handle.write("x")
    os.mkdir(os.path.join(folder, "dir"))
    os.makedirs(os.path.join(folder, "a", "b"))
    fd = os.open(os.path.join(folder, "raw"), os.O_CREAT | os.O_WRONLY, 0o666)
    os.close(fd)

    def mode(relative):
        return oct(stat.S_IMODE(os.stat(os.path.join(folder, relative)).st_mode))

    return {name: mode(name) for name in ("new.txt", "dir", "a", "a/b", "raw")}
