# TemporaryFile: an unnamed file (O_TMPFILE where the file system has it), written and read.
import tempfile


def main():
    with tempfile.TemporaryFile("w+b") as handle:
        handle.write(b"line\n" * 100)
        handle.seek(0)
        lines = handle.readlines()
        handle.seek(0, 2)
        end = handle.tell()
    return {"lines": len(lines), "end": end}
