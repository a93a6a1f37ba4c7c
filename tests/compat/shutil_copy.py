# shutil.copy: contents and permission bits copied to a new file.
import os
import shutil
import stat
import tempfile


def main():
    folder = tempfile.mkdtemp()
    source = os.path.join(folder, "source.txt")
    with open(source, "w") as handle:
        handle.write("payload " * 100)
    os.chmod(source, 0o640)
    target = shutil.copy(source, os.path.join(folder, "target.txt"))
    with open(target) as handle:
        same = handle.read() == "payload " * 100
    return {"same": same, "mode": oct(stat.S_IMODE(os.stat(target).st_mode))}
