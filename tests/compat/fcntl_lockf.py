# fcntl.lockf (POSIX record locks, as sqlite takes them) on a file in the temporary folder.
import fcntl
import os
import tempfile


def main():
    fd, _ = tempfile.mkstemp()
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    fcntl.lockf(fd, fcntl.LOCK_UN)
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
    cloexec = bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC)
    os.close(fd)
    return {
        "locked_and_unlocked": True,
        "write_only": flags & os.O_ACCMODE == os.O_RDWR,
        "cloexec": cloexec,
    }
