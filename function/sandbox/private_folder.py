"""The gvisor profile's writable folder: one per execution, measured while the script runs,
removed without a trace afterwards.

Without a mount namespace there is no private tmpfs. Each execution gets
``<rootfs>/tmp/pyexec-<random>`` (``/tmp/pyexec-<random>`` in the jail), mode 0700 and owned by
the slot's uid; the rootfs's own /tmp is neither writable nor listable by the jail, so
concurrent executions cannot meet there. Measuring and removing share one walk (_walk) that
neither follows a symbolic link nor recurses: the tree is the script's, of any depth.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable
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

    @classmethod
    def left_by(cls, rootfs: Path, uid: int) -> list[PrivateFolder]:
        """The folders of ``uid`` a server left when it died (a waiting jail's, or a running
        one's), to be removed by whoever holds that uid's lease now."""
        found = []
        for path in (rootfs / "tmp").glob("pyexec-*"):
            try:
                info = path.lstat()
            except FileNotFoundError:  # Another worker's, removed since the listing.
                continue
            if info.st_uid == uid and stat.S_ISDIR(info.st_mode):
                found.append(cls.at(path))
        return found

    @classmethod
    def at(cls, path: Path) -> PrivateFolder:
        """A folder that is there already, to be measured or removed as one of ours is."""
        folder = cls.__new__(cls)
        folder.path = path
        return folder

    @property
    def jail_path(self) -> str:
        """The folder as the jail sees it, below the chroot."""
        return f"/tmp/{self.path.name}"  # noqa: S108 - in the jail

    def usage(self, max_bytes: int, max_entries: int) -> Usage | None:
        """Bytes of the regular files and number of entries in the folder, counted until
        either is past its bound (so a huge tree costs no more than the bound to measure).

        None if the tree changed under the walk (a folder moved, or replaced by a link): the
        script is running, and the next look, or the last one once its processes are gone,
        counts again.
        """
        total = entries = 0

        def count(fd: int) -> list[str] | None:
            nonlocal total, entries
            listed = _listing(fd)
            entries += len(listed)
            total += sum(size for _, size in listed if size is not None)
            if total > max_bytes or entries > max_entries:
                return None  # Past the bound: no need to look further.
            return [name for name, size in listed if size is None]

        try:
            _walk(self.path, count, lambda parent, name: None)
        except (OSError, _Moved):
            return None
        return Usage(total, entries)

    def remove(self) -> None:
        """Delete the folder and everything in it, however deep; raise OSError if any of it
        stays. Only call it once no process of the slot's uid is left to write there."""
        if not self.path.exists():
            return

        def empty(fd: int) -> list[str]:
            # Root's first, before it is listed: the script may have taken its own
            # permissions away, and a folder another jail may write to (one its owner made
            # world-writable) must take no new entry, nor see one renamed, from then on.
            os.fchown(fd, 0, 0)
            os.fchmod(fd, 0o700)
            subfolders = [name for name, size in _listing(fd) if size is None]
            with os.scandir(fd) as listing:
                for entry in listing:
                    if not entry.is_dir(follow_symlinks=False):
                        with contextlib.suppress(FileNotFoundError):  # gone since listed
                            os.unlink(entry.name, dir_fd=fd)
            return subfolders

        try:
            _walk(self.path, empty, lambda parent, name: os.rmdir(name, dir_fd=parent))
        except _Moved as exc:
            raise OSError(f"{self.path} changed while it was removed") from exc
        os.rmdir(self.path)
        if os.path.lexists(self.path):
            raise OSError(f"{self.path} is still there after its removal")


class _Moved(Exception):
    """A folder was not where the walk left it."""


def _walk(
    top: Path,
    enter: Callable[[int], list[str] | None],
    leave: Callable[[int, str], None],
) -> None:
    """Visit the tree below ``top`` depth first, holding one folder descriptor at a time (a
    deep tree would exhaust descriptors and path length otherwise), never following a link.

    ``enter(fd)`` sees each folder and names its subfolders to visit (None: stop the walk);
    ``leave(parent_fd, name)`` runs once a subfolder has been visited. The walk goes back up
    through ``..`` and raises _Moved if that is not the folder it came from.
    """
    fd = os.open(top, _DIR_FLAGS)
    name = ""
    # The folders from top down to the current one: (identity, own name, subfolders to visit).
    path: list[tuple[tuple[int, int], str, list[str]]] = []
    try:
        while True:
            subfolders = enter(fd)
            if subfolders is None:
                return
            path.append((_identity(fd), name, subfolders))
            while not path[-1][2]:
                _, name, _ = path.pop()
                if not path:
                    return
                fd = _replace(fd, os.open("..", _DIR_FLAGS, dir_fd=fd))
                if _identity(fd) != path[-1][0]:
                    raise _Moved(top)
                leave(fd, name)
            name = path[-1][2].pop()
            fd = _replace(fd, os.open(name, _DIR_FLAGS, dir_fd=fd))
    finally:
        os.close(fd)


def _listing(fd: int) -> list[tuple[str, int | None]]:
    """(name, size) of each entry of the folder: None for a subfolder, 0 for what is neither
    a regular file nor a folder."""
    found: list[tuple[str, int | None]] = []
    with os.scandir(fd) as listing:
        for entry in listing:
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # Listed, then removed: nothing to count or remove.
                continue
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
