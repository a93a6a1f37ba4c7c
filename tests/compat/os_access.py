# os.access on a file of the script's, on the interpreter and on a system file.
import os
import tempfile


def main():
    fd, path = tempfile.mkstemp()
    os.close(fd)
    checks = {}
    for name, target in (
        ("own", path),
        ("python", "/usr/bin/python3"),
        ("passwd", "/etc/passwd"),
        ("root_folder", "/"),
    ):
        checks[name] = [os.access(target, mode) for mode in (os.R_OK, os.W_OK, os.X_OK)]
    checks["missing"] = os.access("/no/such/file", os.F_OK)
    return checks
