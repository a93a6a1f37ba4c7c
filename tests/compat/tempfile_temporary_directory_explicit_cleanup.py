# TemporaryDirectory.cleanup() called by hand, with a read-only file inside.
import os
import stat
import tempfile


def main():
    holder = tempfile.TemporaryDirectory()
    path = os.path.join(holder.name, "locked.txt")
    with open(path, "w") as handle:
        handle.write("x")
    os.chmod(path, stat.S_IRUSR)
    holder.cleanup()
    return {"exists_after": os.path.exists(holder.name)}
