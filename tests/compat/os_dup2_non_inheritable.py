# os.dup, os.dup2 onto descriptors of the script's own (inheritable or not), set_inheritable.
import os
import tempfile


def main():
    handle = tempfile.TemporaryFile()
    fd = handle.fileno()
    copy = os.dup(fd)
    spare, other = os.open(os.devnull, os.O_RDONLY), os.open(os.devnull, os.O_RDONLY)
    os.dup2(fd, spare)
    os.dup2(fd, other, inheritable=False)
    os.set_inheritable(copy, True)
    os.write(other, b"via the copy")
    os.lseek(fd, 0, os.SEEK_SET)
    return {
        "dup_inheritable": os.get_inheritable(copy),
        "dup2_inheritable": os.get_inheritable(spare),
        "dup2_not_inheritable": os.get_inheritable(other),
        "shared_offset": os.read(spare, 100).decode(),
    }
