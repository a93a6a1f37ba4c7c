# select.select on pipes: readable only once written to, writable at once.
import os
import select


def main():
    read_end, write_end = os.pipe()
    before = select.select([read_end], [write_end], [], 0)
    os.write(write_end, b"x")
    after = select.select([read_end], [], [], 1.0)
    return {"before": [len(before[0]), len(before[1])], "after_readable": len(after[0])}
