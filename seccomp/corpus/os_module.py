# The os, select, fcntl and signal calls everyday scripts make beyond the other scripts here.
import faulthandler
import fcntl
import os
import select
import signal
import tempfile
import threading
import time


def main():
    folder = tempfile.mkdtemp()
    os.chdir(folder)
    with open("notes.txt", "w") as f:
        f.write("a\nb\n")
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # F_SETLK
        fcntl.lockf(f, fcntl.LOCK_UN)  # F_SETLKW
        fcntl.lockf(f, fcntl.LOCK_EX)
    os.replace("notes.txt", "renamed.txt")
    os.makedirs("a/b/c", exist_ok=True)
    walked = sum(len(files) for _, _, files in os.walk(folder))
    copy = os.dup(1)
    os.dup2(copy, 9)
    os.close(9)
    os.close(copy)
    read, write = os.pipe()
    os.writev(write, [b"ab", b"cd"])
    ready, _, _ = select.select([read], [], [], 1.0)
    buffers = [bytearray(2), bytearray(2)]
    os.readv(read, buffers)
    faulthandler.enable()
    handled = []
    signal.signal(signal.SIGUSR2, lambda *_: handled.append(True))
    signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR2)
    time.sleep(0.01)
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    waited = os.waitid(os.P_PID, pid, os.WEXITED)
    stats = os.statvfs(folder)
    os.chdir("/")
    return {
        "walked": walked,
        "ready": len(ready),
        "read": b"".join(buffers).decode(),
        "handled": handled,
        "status": waited.si_status,
        "groups": len(os.getgroups()) >= 0,
        "blocks": stats.f_bsize > 0,
        "scandir": len(list(os.scandir(folder))),
        "cpu_count": os.cpu_count() >= 1,
        "pgid": os.getpgid(0) > 0,
        "login": os.getlogin.__name__,
        "stat": os.lstat(folder).st_mode > 0,
    }
