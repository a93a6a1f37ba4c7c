# shutil.make_archive and unpack_archive, gzipped tar format.
import os
import shutil
import tempfile


def main():
    base = tempfile.mkdtemp()
    source = os.path.join(base, "source")
    os.makedirs(source)
    for index in range(5):
        with open(os.path.join(source, f"part{index}.csv"), "w") as handle:
            handle.write(f"{index},{index * index}\n")
    archive = shutil.make_archive(os.path.join(base, "bundle"), "gztar", source)
    shutil.unpack_archive(archive, os.path.join(base, "out"))
    return {
        "archive": os.path.basename(archive),
        "listing": sorted(os.listdir(os.path.join(base, "out"))),
    }
