# os.cpu_count and multiprocessing.cpu_count: their types and that they agree.
import multiprocessing
import os


def main():
    count = os.cpu_count()
    return {
        "type": type(count).__name__,
        "positive": bool(count and count > 0),
        "agree": multiprocessing.cpu_count() == count,
    }
