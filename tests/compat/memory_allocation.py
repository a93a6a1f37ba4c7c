# A few hundred MiB allocated and released: bytearrays, a numpy array, a list.
import numpy as np


def main():
    blocks = [bytearray(50 * 1024 * 1024) for _ in range(4)]
    array = np.ones((4000, 4000))
    items = list(range(2_000_000))
    sizes = [len(blocks), int(array.sum()), len(items)]
    del blocks, array, items
    return sizes
