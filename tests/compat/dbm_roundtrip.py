# dbm: whichever database module is available, written and read back.
import dbm
import os
import tempfile


def main():
    path = os.path.join(tempfile.mkdtemp(), "cache")
    with dbm.open(path, "c") as db:
        for index in range(50):
            db[f"key{index}"] = f"value{index}"
    with dbm.open(path, "r") as db:
        value = db[b"key7"].decode()
        count = len(db.keys())
    return {"value": value, "count": count, "kind": dbm.whichdb(path)}
