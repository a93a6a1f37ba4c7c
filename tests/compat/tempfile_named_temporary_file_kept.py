# NamedTemporaryFile(delete=False): the file stays after close, then the script removes it.
import os
import tempfile


def main():
    handle = tempfile.NamedTemporaryFile("wb", delete=False)
    handle.write(b"\x00\x01" * 1000)
    handle.close()
    size = os.path.getsize(handle.name)
    with open(handle.name, "rb") as again:
        head = again.read(4).hex()
    os.unlink(handle.name)
    return {"size": size, "head": head, "exists_after_unlink": os.path.exists(handle.name)}
