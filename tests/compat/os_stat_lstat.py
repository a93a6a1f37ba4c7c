# os.stat and os.lstat: file kinds, sizes and ownership by the script's own user.
import os
import stat
import tempfile


def main():
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "f")
    with open(path, "wb") as handle:
        handle.write(b"12345")
    os.symlink(path, os.path.join(folder, "l"))
    info, link = os.stat(path), os.lstat(os.path.join(folder, "l"))
    return {
        "size": info.st_size,
        "regular": stat.S_ISREG(info.st_mode),
        "link_is_link": stat.S_ISLNK(link.st_mode),
        "owned_by_me": info.st_uid == os.getuid() and info.st_gid == os.getgid(),
        "filemode": stat.filemode(info.st_mode)[0],
        "nofollow": os.stat(os.path.join(folder, "l"), follow_symlinks=False).st_mode
        == link.st_mode,
    }
