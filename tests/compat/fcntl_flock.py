# fcntl.flock (BSD locks, as lock-file libraries take them) on a file in the temporary folder.
import fcntl
import tempfile


def main():
    with tempfile.NamedTemporaryFile() as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return "locked and unlocked"
