# sqlite3 in memory: a table, an index, aggregates, a transaction rolled back.
import sqlite3


def main():
    db = sqlite3.connect(":memory:")
    db.execute("create table sales (region text, amount real)")
    db.executemany(
        "insert into sales values (?, ?)",
        [("north", 10.5), ("south", 20.0), ("north", 4.5), ("east", 1.0)],
    )
    db.execute("create index by_region on sales (region)")
    totals = db.execute("select region, sum(amount) from sales group by region order by region")
    rows = [list(row) for row in totals]
    try:
        with db:
            db.execute("insert into sales values ('west', 99)")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    count = db.execute("select count(*) from sales").fetchone()[0]
    return {
        "rows": rows,
        "count": count,
        "version_is_text": isinstance(sqlite3.sqlite_version, str),
    }
