# pickle: objects of several kinds to a file and back, every protocol.
import collections
import datetime
import os
import pickle
import tempfile


def main():
    data = {
        "date": datetime.date(2024, 1, 2),
        "set": {1, 2, 3},
        "bytes": b"\x00\xff",
        "nested": [(1, 2), {"a": 1.5}],
        "counter": collections.Counter("hello"),
    }
    results = []
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        path = os.path.join(tempfile.gettempdir(), f"data{protocol}.pkl")
        with open(path, "wb") as handle:
            pickle.dump(data, handle, protocol=protocol)
        with open(path, "rb") as handle:
            results.append(pickle.load(handle) == data)
    return {"protocols": results, "highest": pickle.HIGHEST_PROTOCOL}
