# sqlite3 on a file in the temporary folder, default (rollback) journal: write, reopen, read.
import os
import sqlite3
import tempfile


def main():
    path = os.path.join(tempfile.mkdtemp(), "data.db")
    db = sqlite3.connect(path)
    mode = db.execute("pragma journal_mode").fetchone()[0]
    db.execute("create table t (k integer primary key, v text)")
    with db:
        db.executemany("insert into t (v) values (?)", [(f"row {i}",) for i in range(500)])
    db.execute("update t set v = 'changed' where k <= 10")
    db.commit()
    db.close()
    again = sqlite3.connect(path)
    changed = again.execute("select count(*) from t where v = 'changed'").fetchone()[0]
    total = again.execute("select count(*) from t").fetchone()[0]
    again.close()
    return {"journal_mode": mode, "changed": changed, "total": total}
