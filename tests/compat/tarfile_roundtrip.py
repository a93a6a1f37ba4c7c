# tarfile: a gzipped archive of a small tree, listed and extracted with extractall.
import os
import tarfile
import tempfile


def main():
    base = tempfile.mkdtemp()
    source = os.path.join(base, "src")
    os.makedirs(os.path.join(source, "inner"))
    for relative in ("a.txt", "inner/b.txt"):
        with open(os.path.join(source, relative), "w") as handle:
            handle.write(relative * 50)
    archive = os.path.join(base, "bundle.tar.gz")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname="src")
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        tar.extractall(os.path.join(base, "out"))
    with open(os.path.join(base, "out", "src", "inner", "b.txt")) as handle:
        text = handle.read()
    return {"names": names, "text_length": len(text)}
