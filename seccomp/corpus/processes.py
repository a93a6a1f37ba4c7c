# Processes within the process limit: fork, pipes, wait, and a Python subprocess.
import os
import subprocess
import sys


def main():
    children = []
    for i in range(3):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            os.write(write, str(i * i).encode())
            os._exit(0)
        os.close(write)
        children.append((pid, read))
    squares = []
    for pid, read in children:
        squares.append(int(os.read(read, 16)))
        os.close(read)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    child = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.argv[1])", "hi"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    piped = subprocess.Popen(
        [sys.executable, "-c", "print(input()[::-1])"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    reversed_text, _ = piped.communicate("pyexec", timeout=30)
    return {
        "squares": sorted(squares),
        "child": child.stdout.strip(),
        "reversed": reversed_text.strip(),
        "pid": os.getpid() > 0,
        "ppid": os.getppid() >= 0,
        "cpus": len(os.sched_getaffinity(0)) >= 1,
    }
