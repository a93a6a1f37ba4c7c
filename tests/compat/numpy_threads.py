# numpy in several threads at once (the GIL is released in large operations).
import concurrent.futures

import numpy as np


def work(seed):
    rng = np.random.default_rng(seed)
    matrix = rng.random((200, 200))
    return round(float(np.trace(matrix @ matrix.T)), 6)


def main():
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(work, range(4)))
