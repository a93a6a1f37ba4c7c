# os.rename and os.replace, over an existing file too.
import os
import tempfile


def main():
    folder = tempfile.mkdtemp()
    for name in ("a", "b"):
        with open(os.path.join(folder, name), "w") as handle:
            handle.write(name)
    os.rename(os.path.join(folder, "a"), os.path.join(folder, "c"))
    os.replace(os.path.join(folder, "c"), os.path.join(folder, "b"))
    with open(os.path.join(folder, "b")) as handle:
        text = handle.read()
    os.mkdir(os.path.join(folder, "dir"))
    os.rename(os.path.join(folder, "dir"), os.path.join(folder, "moved"))
    return {"listing": sorted(os.listdir(folder)), "text": text}
