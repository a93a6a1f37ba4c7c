# shutil.move: a file and then a folder moved within the temporary folder.
import os
import shutil
import tempfile


def main():
    base = tempfile.mkdtemp()
    with open(os.path.join(base, "a.txt"), "w") as handle:
        handle.write("moved")
    os.mkdir(os.path.join(base, "folder"))
    shutil.move(os.path.join(base, "a.txt"), os.path.join(base, "folder", "b.txt"))
    shutil.move(os.path.join(base, "folder"), os.path.join(base, "renamed"))
    with open(os.path.join(base, "renamed", "b.txt")) as handle:
        text = handle.read()
    return {"listing": sorted(os.listdir(base)), "text": text}
