# os.open with O_EXCL, O_APPEND and O_DIRECTORY; os.fstat of each.
import os
import stat
import tempfile


def main():
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "log")
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_APPEND, 0o644)
    os.write(fd, b"one\n")
    os.write(fd, b"two\n")
    os.close(fd)
    try:
        os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        excl = "opened"
    except FileExistsError:
        excl = "FileExistsError"
    directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    is_dir = stat.S_ISDIR(os.fstat(directory).st_mode)
    relative = os.open("log", os.O_RDONLY, dir_fd=directory)
    content = os.read(relative, 100).decode()
    os.close(relative)
    os.close(directory)
    return {"excl": excl, "is_dir": is_dir, "content": content}
