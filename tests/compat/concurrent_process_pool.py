# concurrent.futures.ProcessPoolExecutor: map over worker processes.
import concurrent.futures
import math


def main():
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        factorials = list(pool.map(math.factorial, range(10)))
        future = pool.submit(pow, 2, 100)
        value = future.result(timeout=30)
    return {"factorials": factorials, "pow": str(value)}
