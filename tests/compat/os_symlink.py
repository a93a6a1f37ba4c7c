# os.symlink, readlink, lstat, islink, and a dangling link.
import os
import tempfile


def main():
    folder = tempfile.mkdtemp()
    target = os.path.join(folder, "target.txt")
    with open(target, "w") as handle:
        handle.write("through the link")
    link = os.path.join(folder, "link")
    os.symlink("target.txt", link)
    os.symlink("missing.txt", os.path.join(folder, "dangling"))
    with open(link) as handle:
        text = handle.read()
    return {
        "readlink": os.readlink(link),
        "islink": os.path.islink(link),
        "text": text,
        "dangling_exists": os.path.exists(os.path.join(folder, "dangling")),
        "dangling_lexists": os.path.lexists(os.path.join(folder, "dangling")),
        "realpath": os.path.realpath(link) == os.path.realpath(target),
    }
