# os.scandir: names, kinds and sizes of the entries of a folder.
import os
import tempfile


def main():
    folder = tempfile.mkdtemp()
    os.mkdir(os.path.join(folder, "sub"))
    for index in range(4):
        with open(os.path.join(folder, f"f{index}.dat"), "wb") as handle:
            handle.write(b"x" * index)
    os.symlink("f1.dat", os.path.join(folder, "link"))
    with os.scandir(folder) as entries:
        seen = sorted(
            (
                e.name,
                e.is_dir(),
                e.is_file(),
                e.is_symlink(),
                e.stat().st_size if e.is_file() else None,
            )
            for e in entries
        )
    return seen
