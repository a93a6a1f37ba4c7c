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
        """Make the folder; raise OSError (and leave nothing) if it cannot be made."""
        self.path = rootfs / "tmp" / f"pyexec-{secrets.token_hex(16)}"
        self.path.mkdir(mode=0o700)
        try:
            os.chown(self.path, uid, uid)
        except OSError:
            self.path.rmdir()
            raise

    @property
    def jail_path(self) -> str:
        """The folder as the jail sees it, below the chroot."""
        return f"/tmp/{self.path.name}"  # noqa: S108 - in the jail

    def usage(self, max_bytes: int, max_entries: int) -> Usage | None:
        """Bytes of the regular files and number of entries in the folder, counted until
        either is past its bound (so a huge tree costs no more than the bound to measure).

        None if the tree changed under the walk in a way that would make the count wrong (a
        folder moved, or replaced by a link): the script is running, and the next look, or
        the last one once its processes are gone, counts again. Like remove(), the walk holds
        one folder descriptor at a time, goes back up through ``..`` and checks that it came
        back to the folder it left, so it never follows a link or leaves the private folder.
        """
        total = entries = 0
        try:
            fd = os.open(self.path, _DIR_FLAGS)
        except OSError:
            return None
        path: list[tuple[tuple[int, int], list[str]]] = []  # (identity, subfolders to visit)
        try:
            while True:
                listed = _listing(fd)
                entries += len(listed)
                total += sum(size for _, size in listed if size is not None)
                if total > max_bytes or entries > max_entries:
                    break
                path.append((_identity(fd), [name for name, size in listed if size is None]))
                while path and not path[-1][1]:
                    path.pop()
                    if path:
                        fd = _replace(fd, os.open("..", _DIR_FLAGS, dir_fd=fd))
                        if _identity(fd) != path[-1][0]:
                            return None
                if not path:
                    break
                fd = _replace(fd, os.open(path[-1][1].pop(), _DIR_FLAGS, dir_fd=fd))
        except OSError:
            return None
        finally:
            os.close(fd)
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


def _listing(fd: int) -> list[tuple[str, int | None]]:
    """(name, size) of each entry of the folder: None for a subfolder, 0 for what is neither
    a regular file nor a folder."""
    found: list[tuple[str, int | None]] = []
    with os.scandir(fd) as listing:
        for entry in listing:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                found.append((entry.name, None))
            else:
                found.append((entry.name, info.st_size if stat.S_ISREG(info.st_mode) else 0))
    return found


def _identity(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def _replace(old: int, new: int) -> int:
    os.close(old)
    return new


def _empty_files_of(fd: int) -> str | None:
    """Unlink everything in the folder but subfolders; return a subfolder's name, if any."""
    with os.scandir(fd) as listing:
        for entry in listing:
            if entry.is_dir(follow_symlinks=False):
                return entry.name
            os.unlink(entry.name, dir_fd=fd)
    return None
