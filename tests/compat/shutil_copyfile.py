# shutil.copyfile and copyfileobj: contents only.
import io
import os
import shutil
import tempfile


def main():
    folder = tempfile.mkdtemp()
    source = os.path.join(folder, "big.bin")
    with open(source, "wb") as handle:
        handle.write(bytes(range(256)) * 4096)
    shutil.copyfile(source, os.path.join(folder, "copy.bin"))
    buffer = io.BytesIO()
    with open(os.path.join(folder, "copy.bin"), "rb") as handle:
        shutil.copyfileobj(handle, buffer)
    return {
        "size": os.path.getsize(os.path.join(folder, "copy.bin")),
        "same": buffer.getvalue() == bytes(range(256)) * 4096,
    }
