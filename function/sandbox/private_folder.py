"""The gvisor profile's writable folder: one per execution, measured while the script runs,
removed without a trace afterwards.

Without a mount namespace there is no private tmpfs. Each execution gets
``<rootfs>/tmp/pyexec-<random>`` (``/tmp/pyexec-<random>`` in the jail), mode 0700 and owned by
the slot's uid; the rootfs's own /tmp is neither writable nor listable by the jail, so
concurrent executions cannot meet there. Nothing here follows a symbolic link or recurses:
the tree is the script's, and may be of any depth.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class Usage:
    bytes: int
    entries: int


class PrivateFolder:
    def __init__(self, rootfs: Path, uid: int) -> None:
        self.path = rootfs / "tmp" / f"pyexec-{secrets.token_hex(16)}"
        self.path.mkdir(mode=0o700)
        os.chown(self.path, uid, uid)

    @property
    def jail_path(self) -> str:
        """The folder as the jail sees it, below the chroot."""
        return f"/tmp/{self.path.name}"  # noqa: S108 - in the jail

    def usage(self, max_bytes: int, max_entries: int) -> Usage:
        """Bytes of the regular files and number of entries in the folder, counted until
        either is past its bound (so a huge tree costs no more than the bound to measure)."""
        total = entries = 0
        pending = [self.path]
        while pending and total <= max_bytes and entries <= max_entries:
            try:
                listing = os.scandir(pending.pop())
            except OSError:  # Removed, or made unreadable, by the script: counted as it was.
                continue
            with listing:
                for entry in listing:
                    entries += 1
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if stat.S_ISDIR(info.st_mode):
                        pending.append(Path(entry.path))
                    elif stat.S_ISREG(info.st_mode):
                        total += info.st_size
        return Usage(total, entries)

    def remove(self) -> None:
        """Delete the folder and everything in it, however deep; raise OSError if any of it
        stays. Only call it once no process of the slot's uid is left to write there.

        One directory descriptor at a time (a deep tree would exhaust descriptors and path
        length otherwise): go down into the first subfolder, come back up through ``..`` once
        a folder is empty, remove it from its parent.
        """
        if not self.path.exists():
            return
        fd = os.open(self.path, _DIR_FLAGS)
        names: list[str] = []  # The folders entered below self.path, outermost first.
        try:
            while True:
                os.fchmod(fd, 0o700)  # The script may have taken its own permissions away.
                subfolder = _empty_files_of(fd)
                if subfolder is not None:
                    child = os.open(subfolder, _DIR_FLAGS, dir_fd=fd)
                    os.close(fd)
                    fd, names = child, [*names, subfolder]
                    continue
                if not names:
                    break
                parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = parent
                os.rmdir(names.pop(), dir_fd=fd)
        finally:
            os.close(fd)
        os.rmdir(self.path)
        if os.path.lexists(self.path):
            raise OSError(f"{self.path} is still there after its removal")


def _empty_files_of(fd: int) -> str | None:
    """Unlink everything in the folder but subfolders; return a subfolder's name, if any."""
    with os.scandir(fd) as listing:
        for entry in listing:
            if entry.is_dir(follow_symlinks=False):
                return entry.name
            os.unlink(entry.name, dir_fd=fd)
    return None
