# setpgid(0, 0): refused to the script's process, which leads its session (EPERM, as for any
# session leader), and done by a forked child, which makes a process group of its own.
import errno
import os


def main():
    try:
        os.setpgid(0, 0)
        leader = "changed"
    except OSError as exc:
        leader = errno.errorcode[exc.errno]
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.setpgid(0, 0)
            answer = b"own group" if os.getpgrp() == os.getpid() else b"same group"
        except OSError as exc:
            answer = f"error {exc.errno}".encode()
        os.write(write_end, answer)
        os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 100).decode()
    _, status = os.waitpid(child, 0)
    return {
        "session_leader": leader,
        "answer": answer,
        "exit_code": os.waitstatus_to_exitcode(status),
        "parent_group_unchanged": os.getpgrp() == os.getpid(),
    }
