# gzip, bz2 and lzma files in the temporary folder: written, read back, sizes compared.
import bz2
import gzip
import lzma
import os
import tempfile


def main():
    folder = tempfile.mkdtemp()
    payload = ("some text that compresses well " * 2000).encode()
    results = {}
    for name, module in (("gz", gzip), ("bz2", bz2), ("xz", lzma)):
        path = os.path.join(folder, f"data.{name}")
        with module.open(path, "wb") as handle:
            handle.write(payload)
        with module.open(path, "rb") as handle:
            same = handle.read() == payload
        results[name] = {"same": same, "smaller": os.path.getsize(path) < len(payload)}
    return results
