# sqlite3 on a file in WAL journal mode: two connections, a checkpoint.
import os
import sqlite3
import tempfile


def main():
    path = os.path.join(tempfile.mkdtemp(), "wal.db")
    writer = sqlite3.connect(path)
    mode = writer.execute("pragma journal_mode=wal").fetchone()[0]
    writer.execute("create table t (v integer)")
    with writer:
        writer.executemany("insert into t values (?)", [(i,) for i in range(1000)])
    reader = sqlite3.connect(path)
    seen = reader.execute("select sum(v) from t").fetchone()[0]
    checkpoint = writer.execute("pragma wal_checkpoint(truncate)").fetchone()
    reader.close()
    writer.close()
    return {"journal_mode": mode, "sum": seen, "checkpoint_busy": checkpoint[0]}
