# SpooledTemporaryFile: in memory until max_size, then a real file.
import tempfile


def main():
    with tempfile.SpooledTemporaryFile(max_size=1024) as spool:
        spool.write(b"a" * 512)
        before = spool._rolled
        spool.write(b"b" * 1024)
        after = spool._rolled
        spool.seek(0)
        data = spool.read()
    return {"before": before, "after": after, "size": len(data), "tail": data[-3:].decode()}
