# concurrent.futures.ThreadPoolExecutor: map, submit, as_completed and an exception.
import concurrent.futures
import hashlib


def digest(index):
    return hashlib.sha256(str(index).encode() * 1000).hexdigest()[:8]


def main():
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        mapped = list(pool.map(digest, range(8)))
        futures = {pool.submit(digest, i): i for i in range(8, 12)}
        completed = sorted(futures[f] for f in concurrent.futures.as_completed(futures))
        failing = pool.submit(lambda: 1 / 0)
        error = type(failing.exception()).__name__
    return {"mapped": mapped, "completed": completed, "error": error}
