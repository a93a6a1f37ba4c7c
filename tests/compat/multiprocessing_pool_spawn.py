# multiprocessing.Pool with the spawn start method (fresh interpreters), library functions.
# outcome[gvisor]: exception
import math
import multiprocessing


def main():
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        roots = pool.map(math.isqrt, [1, 4, 9, 16, 1000000])
    return {"roots": roots}
