# zipfile: write files and strings with compression, read back, extractall.
import os
import tempfile
import zipfile


def main():
    base = tempfile.mkdtemp()
    path = os.path.join(base, "data.zip")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "hello " * 100)
        archive.writestr("nested/values.csv", "a,b\n1,2\n")
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        readme = archive.read("readme.txt").decode()
        archive.extractall(os.path.join(base, "out"))
        tested = archive.testzip()
    extracted = sorted(
        os.path.relpath(os.path.join(root, name), os.path.join(base, "out"))
        for root, _, files in os.walk(os.path.join(base, "out"))
        for name in files
    )
    return {"names": names, "readme": len(readme), "extracted": extracted, "testzip": tested}
