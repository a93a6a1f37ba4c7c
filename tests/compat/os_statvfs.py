# os.statvfs and os.fstatvfs of the temporary folder: the fields exist and agree.
import os
import tempfile


def main():
    folder = tempfile.gettempdir()
    by_path = os.statvfs(folder)
    fd = os.open(folder, os.O_RDONLY)
    try:
        by_fd = os.fstatvfs(fd)
    finally:
        os.close(fd)
    return {
        "agree": by_path.f_bsize == by_fd.f_bsize and by_path.f_blocks == by_fd.f_blocks,
        "bsize_positive": by_path.f_bsize > 0,
        "namemax": by_path.f_namemax,
        "writable": not by_path.f_flag & os.ST_RDONLY,
    }
