"""The jails' devices: /dev/null, /dev/zero, /dev/urandom, and the gvisor profile's /dev/shm.

A lock taken on a device node is seen by every process that opens the same node: one node
shared by concurrent jails (the host's /dev/null) would be a channel between them. So the
namespaces profile binds, into its jail's own /dev tmpfs, three nodes of the jail's uid
(:func:`nodes_of`), made by root in the host's /dev (a file system for devices, which every
user may search: NsJail binds them from inside the jail's user namespace, by path). They are
root's, mode 0666, so the jail cannot change them; their folder is root's with the uid's
group, mode 0710, so no other user of the host reaches them. Each jail start checks them and
makes them anew if anything changed. A uid runs one jail at a time, and a lock dies with its
holder.

The gvisor profile cannot mount: its jails share the rootfs's own /dev, so the sandbox makes
it there, as root, before the first jail (:func:`prepare`):

- ``null``, ``zero``, ``urandom``: character devices, mode 0666. gVisor opens no device node
  of an image's files, but one made at run time lives in the container's writable layer (its
  memory), where gVisor serves it.
- ``shm``: a folder every jail may create entries in and none may list (mode 1733: sticky,
  so no jail removes or renames another's entries). POSIX semaphores and shared memory
  (multiprocessing) make files there with random names and mode 0600. After each execution
  the sweep removes what the jail's uid left (:func:`remove_entries_of`), and while it runs
  the runner's watch bounds them like the private folder (:func:`usage_of`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sandbox.private_folder import PrivateFolder, Usage

#: name -> (major, minor), as every Linux numbers them.
DEVICES = {"null": (1, 3), "zero": (1, 5), "urandom": (1, 9)}
SHM_MODE = 0o1733


#: Where the namespaces profile's per-uid nodes are made: ``<NODES_DIR>/<uid>/null``, ...
NODES_DIR = Path("/dev/pyexec")


def nodes_of(uid: int, nodes_dir: Path = NODES_DIR) -> Path:
    """The folder of ``uid``'s three device nodes, checked, and made anew where anything of
    them changed; raise OSError if they cannot be made (no CAP_MKNOD, a file system mounted
    nodev)."""
    folder = nodes_dir / str(uid)
    folder.mkdir(mode=0o710, parents=True, exist_ok=True)
    os.chown(folder, 0, uid)
    os.chmod(folder, 0o710)  # noqa: S103 - searchable by the uid's group (its jail) alone
    _make_nodes(folder, replace=True)
    if os.statvfs(folder).f_flag & os.ST_NODEV:
        raise OSError(f"{folder} is on a file system mounted nodev: its devices cannot be opened")
    return folder


def _make_nodes(folder: Path, replace: bool = False) -> None:
    """Root's character devices, mode 0666, in ``folder``; one that is not exactly that is
    made anew (``replace``), or refused."""
    for name, (major, minor) in DEVICES.items():
        path = folder / name
        wanted = (stat.S_IFCHR | 0o666, os.makedev(major, minor), 0, 0)
        try:
            info = path.lstat()
        except FileNotFoundError:
            info = None
        if info is not None and (info.st_mode, info.st_rdev, info.st_uid, info.st_gid) == wanted:
            continue
        if info is not None and not replace:
            raise OSError(f"{path} is not the {name} device")
        if info is not None:
            path.unlink()
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
        os.chown(path, 0, 0)
        os.chmod(path, 0o666)  # noqa: S103 - a device every jail may use, whatever the umask


def prepare(rootfs: Path) -> None:
    """Make the rootfs's /dev for the gvisor profile (idempotent); raise OSError if it cannot
    be made (not root, no CAP_MKNOD, a read-only rootfs)."""
    dev = rootfs / "dev"
    _make_nodes(dev)
    shm = dev / "shm"
    shm.mkdir(exist_ok=True)
    os.chown(shm, 0, 0)
    os.chmod(shm, SHM_MODE)


def _entries_of(rootfs: Path, uid: int) -> list[tuple[Path, os.stat_result]]:
    """What ``uid`` owns in /dev/shm, each with its lstat (entries vanishing while listed are
    skipped)."""
    found: list[tuple[Path, os.stat_result]] = []
    shm = rootfs / "dev" / "shm"
    if not shm.is_dir():  # Not made (yet): the namespaces profile mounts its own.
        return found
    with os.scandir(shm) as listing:
        for entry in listing:
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if info.st_uid == uid:
                found.append((Path(entry.path), info))
    return found


def usage_of(rootfs: Path, uid: int, max_bytes: int, max_entries: int) -> Usage | None:
    """Bytes and entries ``uid`` holds in /dev/shm, counted until past either bound; None if
    a folder changed under the walk (the next look counts again)."""
    total = entries = 0
    for path, info in _entries_of(rootfs, uid):
        entries += 1
        if stat.S_ISDIR(info.st_mode):
            inside = PrivateFolder.at(path).usage(max_bytes - total, max_entries - entries)
            if inside is None:
                return None
            total, entries = total + inside.bytes, entries + inside.entries
        elif stat.S_ISREG(info.st_mode):
            total += info.st_size
        if total > max_bytes or entries > max_entries:
            break
    return Usage(total, entries)


def remove_entries_of(rootfs: Path, uid: int) -> None:
    """Remove everything ``uid`` left in /dev/shm; raise OSError if any of it stays. Only once
    no process of the uid is left to make more."""
    for path, info in _entries_of(rootfs, uid):
        if stat.S_ISDIR(info.st_mode):  # lstat's: a link to a folder is removed as a link
            PrivateFolder.at(path).remove()
        else:
            path.unlink(missing_ok=True)
    if _entries_of(rootfs, uid):
        raise OSError(f"entries of uid {uid} are still in {rootfs / 'dev' / 'shm'}")
