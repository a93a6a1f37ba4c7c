# shutil.make_archive and unpack_archive, zip format.
import os
import shutil
import tempfile


def main():
    base = tempfile.mkdtemp()
    source = os.path.join(base, "source")
    os.makedirs(os.path.join(source, "inner"))
    for relative in ("one.txt", "inner/two.txt"):
        with open(os.path.join(source, relative), "w") as handle:
            handle.write(relative * 3)
    archive = shutil.make_archive(os.path.join(base, "bundle"), "zip", source)
    shutil.unpack_archive(archive, os.path.join(base, "out"))
    with open(os.path.join(base, "out", "inner", "two.txt")) as handle:
        text = handle.read()
    return {
        "archive": os.path.basename(archive),
        "text": text,
        "listing": sorted(os.listdir(os.path.join(base, "out"))),
    }
