# shutil.copy2: contents, permission bits and modification time copied.
import os
import shutil
import stat
import tempfile


def main():
    folder = tempfile.mkdtemp()
    source = os.path.join(folder, "source.csv")
    with open(source, "w") as handle:
        handle.write("a,b\n1,2\n")
    os.chmod(source, 0o604)
    os.utime(source, (1_000_000_000, 1_000_000_000))
    target = shutil.copy2(source, os.path.join(folder, "copy.csv"))
    info = os.stat(target)
    return {
        "mtime": int(info.st_mtime),
        "mode": oct(stat.S_IMODE(info.st_mode)),
        "size": info.st_size,
    }
