# mkdtemp: a private folder (mode 0700) that the script fills and removes itself.
import os
import shutil
import stat
import tempfile


def main():
    folder = tempfile.mkdtemp(prefix="work-")
    mode = oct(stat.S_IMODE(os.stat(folder).st_mode))
    with open(os.path.join(folder, "x"), "w") as handle:
        handle.write("x")
    listed = os.listdir(folder)
    shutil.rmtree(folder)
    return {"mode": mode, "listed": listed, "removed": not os.path.exists(folder)}
