# A raised recursion limit and a recursion 20,000 calls deep; RecursionError past it.
import sys


def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)


def main():
    sys.setrecursionlimit(25_000)
    reached = depth(20_000)
    sys.setrecursionlimit(1000)
    try:
        depth(5000)
        error = None
    except RecursionError as exc:
        error = type(exc).__name__
    return {"reached": reached, "error": error}
