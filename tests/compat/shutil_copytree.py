# shutil.copytree: a tree with files, a subfolder and a symlink, copied whole.
import os
import shutil
import tempfile


def main():
    base = tempfile.mkdtemp()
    tree = os.path.join(base, "tree")
    os.makedirs(os.path.join(tree, "sub", "deeper"))
    for relative in ("a.txt", "sub/b.txt", "sub/deeper/c.txt"):
        with open(os.path.join(tree, relative), "w") as handle:
            handle.write(relative)
    os.symlink("a.txt", os.path.join(tree, "link"))
    copy = shutil.copytree(tree, os.path.join(base, "copy"), symlinks=True)
    files = sorted(
        os.path.relpath(os.path.join(root, name), copy)
        for root, dirs, names in os.walk(copy)
        for name in names
    )
    return {"files": files, "link": os.readlink(os.path.join(copy, "link"))}
