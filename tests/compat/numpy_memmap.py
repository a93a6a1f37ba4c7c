# numpy.memmap: an array backed by a file, written, flushed, and opened again read-only.
import os
import tempfile

import numpy as np


def main():
    path = os.path.join(tempfile.mkdtemp(), "array.dat")
    array = np.memmap(path, dtype="float64", mode="w+", shape=(100, 10))
    array[:] = np.arange(1000).reshape(100, 10)
    array.flush()
    del array
    again = np.memmap(path, dtype="float64", mode="r", shape=(100, 10))
    return {
        "sum": float(again.sum()),
        "corner": float(again[-1, -1]),
        "size": os.path.getsize(path),
    }
