# os.mkfifo: a named pipe in the temporary folder, written by a child, read by the parent.
import os
import stat
import tempfile


def main():
    path = os.path.join(tempfile.mkdtemp(), "fifo")
    os.mkfifo(path)
    child = os.fork()
    if child == 0:
        with open(path, "w") as writer:
            writer.write("through the fifo")
        os._exit(0)
    with open(path) as reader:
        text = reader.read()
    os.waitpid(child, 0)
    return {"is_fifo": stat.S_ISFIFO(os.stat(path).st_mode), "text": text}
