# tarfile in memory: members written with their own mode and time, extracted one by one.
import io
import os
import tarfile
import tempfile


def main():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, mode in (("run.sh", 0o755), ("data.txt", 0o644)):
            data = f"{name}\n".encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 1_000_000_000
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    out = tempfile.mkdtemp()
    with tarfile.open(fileobj=buffer) as tar:
        for member in tar.getmembers():
            tar.extract(member, out)
    return {
        name: [
            oct(os.stat(os.path.join(out, name)).st_mode & 0o777),
            int(os.stat(os.path.join(out, name)).st_mtime),
        ]
        for name in sorted(os.listdir(out))
    }
