# multiprocessing.Pool with the forkserver start method, library functions.
# outcome[gvisor]: exception
import multiprocessing
import operator


def main():
    with multiprocessing.get_context("forkserver").Pool(2) as pool:
        products = pool.starmap(operator.mul, [(i, i + 1) for i in range(6)])
    return {"products": products}
