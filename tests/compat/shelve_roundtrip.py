# shelve: a persistent dict in the temporary folder, closed and opened again.
import os
import shelve
import tempfile


def main():
    path = os.path.join(tempfile.mkdtemp(), "store")
    with shelve.open(path) as store:
        store["numbers"] = list(range(10))
        store["config"] = {"debug": False, "level": 3}
    with shelve.open(path) as store:
        keys = sorted(store.keys())
        numbers = store["numbers"]
        store["config"] = {**store["config"], "level": 4}
    with shelve.open(path, flag="r") as store:
        level = store["config"]["level"]
    return {"keys": keys, "numbers": numbers, "level": level}
