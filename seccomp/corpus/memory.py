# Large allocations (mmap, mremap), and a MemoryError caught by the script itself. Sized for
# the default memory limit with numpy and pandas already loaded (a warm jail's).
import numpy as np


def main():
    block = bytearray(24 << 20)
    block[-1] = 1
    matrix = np.ones((500, 4000))  # 15 MiB
    grown = np.zeros(1 << 17)
    for _ in range(4):
        grown = np.concatenate([grown, grown])  # realloc, mremap
    del block
    try:
        np.empty(1 << 40, dtype=np.uint8)
        refused = False
    except MemoryError:
        refused = True
    chunks = [bytes(1 << 20) for _ in range(16)]
    return {
        "sum": float(matrix.sum()),
        "grown": grown.size,
        "refused": refused,
        "chunks": len(chunks),
    }
