# os.link: a hard link shares the inode and the contents.
import os
import tempfile


def main():
    folder = tempfile.mkdtemp()
    first = os.path.join(folder, "first")
    with open(first, "w") as handle:
        handle.write("shared")
    second = os.path.join(folder, "second")
    os.link(first, second)
    with open(second) as handle:
        text = handle.read()
    return {
        "nlink": os.stat(first).st_nlink,
        "same_inode": os.path.samefile(first, second),
        "text": text,
    }
