# os.chmod and os.fchmod with ordinary permission bits (no setuid, setgid or sticky bit).
import os
import stat
import tempfile


def main():
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "script.sh")
    with open(path, "w") as handle:
        handle.write("echo hi\n")
    modes = []
    for mode in (0o755, 0o644, 0o600, 0o400):
        os.chmod(path, mode)
        modes.append(oct(stat.S_IMODE(os.stat(path).st_mode)))
    with open(path) as handle:
        os.fchmod(handle.fileno(), 0o640)
    modes.append(oct(stat.S_IMODE(os.stat(path).st_mode)))
    os.chmod(folder, 0o750)
    modes.append(oct(stat.S_IMODE(os.stat(folder).st_mode)))
    return modes
