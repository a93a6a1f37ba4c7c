# Files in the private /tmp: tempfile, pathlib, shutil, sqlite, archives.
import gzip
import io
import os
import pathlib
import shutil
import sqlite3
import tarfile
import tempfile
import zipfile


def main():
    folder = pathlib.Path(tempfile.mkdtemp())
    data = folder / "data.txt"
    data.write_text("line\n" * 1000)
    shutil.copyfile(data, folder / "copy.txt")  # not copy(): no chmod in the jail
    os.rename(folder / "copy.txt", folder / "moved.txt")
    (folder / "sub").mkdir()
    os.symlink(data, folder / "link")
    with open(data, "r+b") as f:
        f.seek(0, os.SEEK_END)
        f.write(b"more\n")
        f.flush()
        os.fsync(f.fileno())
        f.truncate(100)
    listed = sorted(p.name for p in folder.iterdir())
    globbed = len(list(folder.glob("*.txt")))

    database = sqlite3.connect(folder / "db.sqlite")
    database.execute("create table t (k integer primary key, v text)")
    database.executemany("insert into t (v) values (?)", [(str(i),) for i in range(1000)])
    database.commit()
    count = database.execute("select count(*) from t").fetchone()[0]
    database.close()
    memory_db = sqlite3.connect(":memory:")
    memory_db.execute("create table x (a)")

    with zipfile.ZipFile(folder / "a.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inside.txt", "zipped")
    with tarfile.open(folder / "a.tar.gz", "w:gz") as archive:
        archive.add(data, arcname="data.txt")
    packed = gzip.compress(b"gz" * 1000)
    with tempfile.NamedTemporaryFile("w+") as named, tempfile.TemporaryFile() as anonymous:
        named.write("named")
        anonymous.write(b"anonymous")
    stat = os.stat(data)
    shutil.rmtree(folder / "sub")
    return {
        "listed": listed,
        "globbed": globbed,
        "count": count,
        "size": stat.st_size,
        "unzipped": zipfile.ZipFile(folder / "a.zip").read("inside.txt").decode(),
        "gunzipped": len(gzip.decompress(packed)),
        "cwd": os.getcwd() != "",
        "disk": shutil.disk_usage(folder).total > 0,
        "bytesio": io.BytesIO(b"abc").read().decode(),
    }
